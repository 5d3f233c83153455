import Logging
import MeshCrypto
import MeshNet
import MeshWire
import NIOCore

/// Replaces a registered node's identity key (docs/protocol.md C.4): on a short session
/// under the old key, register, then send the new key signed by the old one, and wait for
/// the coordinator's second `registered`. The new key is written (`identity.next.key`)
/// before it is sent and promoted after the coordinator confirms; `recover` settles a
/// rotation interrupted in between.
enum KeyRotation {
    /// How an interrupted rotation was settled at start-up.
    enum Recovery: Equatable {
        /// The coordinator had taken the new key before the interruption: it is now current.
        case promoted
        /// The coordinator still holds the old key: the new one never reached it and is
        /// dropped (rotate again with `--rotate-key`).
        case discarded
        /// The coordinator could not be asked: the old key stays, the new one waits.
        case postponed(String)
    }

    /// Settles a rotation the agent stopped in the middle of (`identity.next.key` written,
    /// not promoted) by asking the coordinator which key it holds: a registration under the
    /// old key that succeeds means the rotation never took; one the coordinator refuses,
    /// followed by one under the new key that succeeds, means it took before the
    /// interruption. Neither known: the node was removed, and this throws.
    static func recover(old: IdentitySecretKey, pending: IdentitySecretKey, coordinator: IdentityPublicKey, address: UDPAddress,
                        hostname: String, servers: [String], loop: any EventLoop, logger: Logger) async throws(NodeAgentError) -> Recovery {
        do {
            try await register(old, coordinator: coordinator, address: address, hostname: hostname,
                               servers: servers, loop: loop, logger: logger)
            return .discarded
        } catch .refused(let why) where why == noAnswer {
            return .postponed(why)
        } catch .refused(let refusedOld) {
            do {
                try await register(pending, coordinator: coordinator, address: address, hostname: hostname,
                                   servers: servers, loop: loop, logger: logger)
                return .promoted
            } catch .refused(let why) where why == noAnswer {
                return .postponed(why)
            } catch {
                throw .refused("an interrupted key rotation cannot be settled: the coordinator refuses the old key (\(refusedOld)) and the new one (\(error))")
            }
        } catch {
            throw error
        }
    }

    static let noAnswer = "the coordinator did not answer"

    /// Registers once under `key` on a short session; throws the coordinator's refusal.
    static func register(_ key: IdentitySecretKey, coordinator: IdentityPublicKey, address: UDPAddress,
                         hostname: String, servers: [String], loop: any EventLoop, logger: Logger) async throws(NodeAgentError) {
        try await session(key, coordinator: coordinator, address: address, hostname: hostname, servers: servers,
                          loop: loop, logger: logger) { client, answers in answers == 1 }
    }

    static func run(old: IdentitySecretKey, new: IdentitySecretKey, coordinator: IdentityPublicKey, address: UDPAddress,
                    hostname: String, servers: [String], loop: any EventLoop, logger: Logger) async throws(NodeAgentError) {
        let envelope = SignedEnvelope.seal(Array(new.publicKey.text.utf8), context: .keyRotation, signer: old).encoded
        try await session(old, coordinator: coordinator, address: address, hostname: hostname, servers: servers,
                          loop: loop, logger: logger) { client, answers in
            if answers == 1 { client.rotateKey(envelope: envelope) }
            return answers == 2
        }
    }

    /// A short control session under `key`: registers, then calls `onRegistered` with the
    /// number of `registered` answers so far until it says the session is done.
    private static func session(_ key: IdentitySecretKey, coordinator: IdentityPublicKey, address: UDPAddress,
                                hostname: String, servers: [String], loop: any EventLoop, logger: Logger,
                                onRegistered: @escaping @Sendable (ControlClient, Int) -> Bool) async throws(NodeAgentError) {
        do {
            try await sessionThrowing(key, coordinator: coordinator, address: address, hostname: hostname, servers: servers,
                                      loop: loop, logger: logger, onRegistered: onRegistered)
        } catch let error as NodeAgentError {
            throw error
        } catch {
            throw .refused("the control session failed: \(error)")
        }
    }

    private static func sessionThrowing(_ key: IdentitySecretKey, coordinator: IdentityPublicKey, address: UDPAddress,
                                        hostname: String, servers: [String], loop: any EventLoop, logger: Logger,
                                        onRegistered: @escaping @Sendable (ControlClient, Int) -> Bool) async throws {
        let endpoint = try await MeshEndpoint.bind(host: address.isIPv6 ? "::" : "0.0.0.0", port: 0, identity: key, on: loop)
        defer { _ = endpoint.close() }
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
                if onRegistered(client, answers) { finish(nil) }
            }
            client.onRefused = { failure in finish(.refused(failure.message)) }
            handler.onEvent = { event in
                if case .handshakeFailed = event { finish(.refused(noAnswer)) }
                _ = client
            }
            client.start()
            loop.scheduleTask(in: .seconds(30)) { finish(.refused(noAnswer)) }
        }.get()
        try await promise.futureResult.get()
    }
}
