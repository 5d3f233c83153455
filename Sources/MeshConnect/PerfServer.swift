import Foundation
import MeshCrypto
import MeshNet
import MeshStream
import MeshWire
import NIOCore

/// The `debug perf` server: admits any client (each brings a throwaway identity), reads
/// its streams, answers with the digest of what arrived, and forgets it. Runs on the
/// endpoint's loop; `start` attaches it.
public final class PerfServer {
    private let handler: MeshUDPHandler
    private let outPath: String?
    private let log: (String) -> Void
    private var clients: [IdentityPublicKey: Client] = [:]

    final class Client {
        let peer: StreamPeer
        var header: PerfProtocol.Header?
        var headerBytes: [UInt8] = []
        var hashers: [StreamID: XXH64] = [:]
        var digests: [StreamID: [UInt8]] = [:]
        var received: UInt64 = 0
        var replied = false
        var out: FileHandle?
        init(peer: StreamPeer) { self.peer = peer }
    }

    /// Starts serving on `endpoint` (which must admit unknown peers). `log` gets one line per
    /// client.
    public static func start(on endpoint: MeshEndpoint, out: String?, log: @escaping @Sendable (String) -> Void) -> EventLoopFuture<Void> {
        endpoint.execute { handler in
            let server = PerfServer(handler: handler, out: out, log: log)
            handler.onEvent = { [server] event in server.handle(event) }
        }
    }

    private init(handler: MeshUDPHandler, out: String?, log: @escaping (String) -> Void) {
        self.handler = handler
        self.outPath = out
        self.log = log
    }

    private func handle(_ event: MeshEvent) {
        switch event {
        case .handshakeCompleted(let key, _):
            guard clients[key] == nil else { return }
            let peer = StreamPeer(peer: key, handler: handler)
            let client = Client(peer: peer)
            clients[key] = client
            peer.onEvent = { [unowned self] p, e in self.streamEvent(client, e) }
            peer.onRestart = { [unowned self] _ in self.forget(key) }
        case .handshakeFailed(let key):
            forget(key)
        case .datagram, .endpointChanged, .peerRestarted, .socketClosed:
            break
        }
    }

    private func streamEvent(_ c: Client, _ event: StreamEvent) {
        let opener = c.peer.role.peer
        let control = PerfProtocol.controlStream(opener: opener)
        switch event {
        case .readable(let id), .finished(let id):
            let bytes = c.peer.update { $0.read(from: id) }
            if id == control {
                c.headerBytes += bytes
            } else {
                c.received += UInt64(bytes.count)
                c.hashers[id, default: XXH64()].update(bytes)
                if id == PerfProtocol.dataStream(1, opener: opener), let outPath, !bytes.isEmpty {
                    if c.out == nil {
                        FileManager.default.createFile(atPath: outPath, contents: nil)
                        c.out = FileHandle(forWritingAtPath: outPath)
                    }
                    c.out?.write(Data(bytes))
                }
            }
            if case .finished = event {
                if id == control {
                    c.header = PerfProtocol.decodeLine(PerfProtocol.Header.self, c.headerBytes)
                    if let h = c.header, h.v != PerfProtocol.version {
                        log("client \(c.peer.peer): perf protocol version \(h.v), this server speaks \(PerfProtocol.version); closing")
                        c.peer.update { $0.close(code: 1, reason: "unsupported perf protocol version \(h.v) (this server speaks \(PerfProtocol.version))") }
                        return
                    }
                    if c.header == nil || c.header!.streams < 1 || c.header!.streams > PerfProtocol.maxStreams {
                        log("client \(c.peer.peer): malformed header (\(c.headerBytes.count) bytes: \(String(decoding: c.headerBytes.prefix(80), as: UTF8.self))), closing")
                        c.peer.update { $0.close(code: 1, reason: "malformed perf header") }
                        return
                    }
                } else {
                    // A data stream that carried no bytes still has a digest: of nothing.
                    c.digests[id] = (c.hashers.removeValue(forKey: id) ?? XXH64()).finishBytes()
                }
            }
            maybeReply(c, control: control, opener: opener)
        case .acknowledged(let id) where id == control && c.replied:
            forget(c.peer.peer)
        case .connectionClosed:
            forget(c.peer.peer)
        default:
            break
        }
    }

    private func maybeReply(_ c: Client, control: StreamID, opener: ConnectionRole) {
        guard !c.replied, let header = c.header else { return }
        let ids = (1...header.streams).map { PerfProtocol.dataStream($0, opener: opener) }
        guard ids.allSatisfy({ c.digests[$0] != nil }) else { return }
        // A data stream with no bytes never reported anything: its digest is of nothing.
        let digest = PerfProtocol.digest(ids.map { c.digests[$0]! })
        c.replied = true
        try? c.out?.close()
        c.out = nil
        let reply = PerfProtocol.Reply(bytes: c.received, digest: Hex.encode(digest))
        c.peer.update { conn in
            _ = conn.write(PerfProtocol.encodeLine(reply), to: control)
            conn.finish(control)
        }
        log("client \(c.peer.peer): \(c.received) bytes on \(header.streams) stream(s), digest \(reply.digest.prefix(16))…")
    }

    private func forget(_ key: IdentityPublicKey) {
        guard let c = clients.removeValue(forKey: key) else { return }
        try? c.out?.close()
        c.peer.detach()
        handler.removePeer(key)
    }
}
