import Logging
import MeshCrypto
import MeshNet
import MeshWire
import NIOCore

/// Replaces a registered node's identity key (docs/protocol.md C.4): on a short session
/// under the old key, register, then send the new key signed by the old one, and wait for
/// the coordinator's second `registered`.
enum KeyRotation {
    static func run(old: IdentitySecretKey, new: IdentitySecretKey, coordinator: IdentityPublicKey, address: UDPAddress,
                    hostname: String, servers: [String], loop: any EventLoop, logger: Logger) async throws {
        let endpoint = try await MeshEndpoint.bind(host: address.isIPv6 ? "::" : "0.0.0.0", port: 0, identity: old, on: loop)
        defer { _ = endpoint.close() }
        let envelope = SignedEnvelope.seal(Array(new.publicKey.text.utf8), context: .keyRotation, signer: old).encoded
        let promise = loop.makePromise(of: Void.self)
        let register = ControlMessage.Register(joinSecret: nil, hostname: hostname, name: nil, servers: servers, endpoints: [])
        try await endpoint.execute { handler in
            try handler.addPeer(coordinator, endpoint: address)
            let client = ControlClient(handler: handler, loop: loop, coordinator: coordinator, register: register, logger: logger)
            var answers = 0
            var done = false
            func finish(_ error: NodeAgentError?) {
                guard !done else { return }
                done = true
                if let error { promise.fail(error) } else { promise.succeed(()) }
            }
            client.onRegistered = { _ in
                answers += 1
                if answers == 1 { client.rotateKey(envelope: envelope) } else { finish(nil) }
            }
            client.onRefused = { failure in finish(.refused(failure.message)) }
            handler.onEvent = { event in
                if case .handshakeFailed = event { finish(.refused("the coordinator did not answer")) }
                _ = client
            }
            client.start()
            loop.scheduleTask(in: .seconds(30)) { finish(.refused("no answer to the key rotation within 30 s")) }
        }.get()
        try await promise.futureResult.get()
    }
}
