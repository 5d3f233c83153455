import Foundation
import Logging
import MeshConnect
import MeshCrypto
import MeshNet
import MeshStream
import MeshWire

/// One stream of a peer connection as the agent's services see it: bytes in, bytes out,
/// end of stream. Runs on the endpoint's loop.
public final class MeshStreamChannel {
    let peer: StreamPeer
    public let id: StreamID
    public var onData: (([UInt8]) -> Void)?
    public var onEnd: ((String?) -> Void)?
    /// Told how many bytes moved from `send`'s queue into the stream (whose own buffer is
    /// bounded), each time some did.
    public var onTaken: ((Int) -> Void)?
    private(set) var ended = false
    /// Set by `pauseReading()`: the stream is left unread, so its flow control stops the
    /// sender once the stream's receive window is full.
    public private(set) var readingPaused = false
    /// The peer's FIN came while reading was paused; the end goes out on resume.
    var endPending = false
    /// Reads what the stream holds and delivers it (set by `PeerStreams`).
    var readAvailable: ((MeshStreamChannel) -> Void)?
    /// Chunks accepted by `send` that flow control has not let into the stream yet: the
    /// chunks from `outboxHead` on, the first from `outboxOffset` on. Kept as the arrays
    /// given, so a large write is never copied or moved as it drains.
    private var outbox: [[UInt8]] = []
    private var outboxHead = 0
    private var outboxOffset = 0
    /// Bytes waiting in the outbox.
    public private(set) var pendingBytes = 0
    private var finishAfterOutbox = false

    init(peer: StreamPeer, id: StreamID) {
        self.peer = peer
        self.id = id
    }

    public var remote: IdentityPublicKey { peer.peer }

    /// Queues bytes; returns how many the stream took (flow control may take fewer).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Int {
        peer.update { $0.write(bytes, to: id) }
    }

    /// Queues all of `bytes`, feeding the stream as flow control allows.
    public func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        outbox.append(bytes)
        pendingBytes += bytes.count
        flush()
    }

    /// Finishes the stream once everything sent has gone in.
    public func finishAfterSending() {
        finishAfterOutbox = true
        flush()
    }

    func flush() {
        var taken = 0
        if pendingBytes > 0 {
            peer.update { conn in
                while outboxHead < outbox.count {
                    let chunk = outbox[outboxHead]
                    let n = outboxOffset == 0 ? conn.write(chunk, to: id) : conn.write(chunk[outboxOffset...], to: id)
                    taken += n
                    guard outboxOffset + n == chunk.count else {
                        outboxOffset += n
                        break
                    }
                    outbox[outboxHead] = []
                    outboxHead += 1
                    outboxOffset = 0
                }
            }
            pendingBytes -= taken
            if outboxHead == outbox.count {
                outbox.removeAll(keepingCapacity: true)
                outboxHead = 0
            } else if outboxHead >= 64, outboxHead * 2 >= outbox.count {
                outbox.removeFirst(outboxHead)
                outboxHead = 0
            }
        }
        if pendingBytes == 0, finishAfterOutbox {
            finishAfterOutbox = false
            finish()
        }
        if taken > 0 { onTaken?(taken) }
    }

    /// Stops reading the stream: `onData` gets nothing more until `resumeReading()`, and
    /// the stream layer extends no credit meanwhile, so the sender stops after its window.
    /// A FIN arriving meanwhile is delivered after the bytes before it, on resume; a reset
    /// or a lost connection ends the channel at once (the stream layer discards unread
    /// bytes on a reset). On the loop.
    public func pauseReading() { readingPaused = true }

    /// Reads on again: everything the stream holds is delivered at once, then the end if it
    /// came meanwhile. On the loop.
    public func resumeReading() {
        guard readingPaused else { return }
        readingPaused = false
        guard !ended else { return }
        readAvailable?(self)
    }

    public func finish() { peer.update { $0.finish(id) } }

    public func reset(code: UInt64 = 1) { peer.update { $0.reset(id, code: code) } }

    func end(_ reason: String?) {
        guard !ended else { return }
        ended = true
        onEnd?(reason)
    }
}

/// Service streams between mesh peers (docs/protocol.md C.6): the opener writes one JSON
/// line naming the service, `{"v":1,"service":"mcp","server":NAME}` or
/// `{"v":1,"service":"ping"}`, and the acceptor answers one line, `{"ok":true}` or
/// `{"ok":false,"error":TEXT}` (then finishes the stream); after that the stream carries the
/// service's bytes. This class keeps a `StreamPeer` per peer with whom streams exist and
/// routes streams and their events. Everything runs on the endpoint's loop.
public final class PeerStreams {
    public struct Header: Codable, Sendable, Equatable {
        public var v: Int
        public var service: String
        public var server: String?
    }

    public struct Answer: Codable, Sendable, Equatable {
        public var ok: Bool
        public var error: String?
    }

    let handler: MeshUDPHandler
    let logger: Logger
    private var peers: [IdentityPublicKey: StreamPeer] = [:]
    private var channels: [IdentityPublicKey: [StreamID: MeshStreamChannel]] = [:]
    /// Incoming streams waiting for their header line.
    private var pendingHeaders: [IdentityPublicKey: [StreamID: [UInt8]]] = [:]
    /// Outgoing streams waiting for the answer line.
    private var pendingAnswers: [IdentityPublicKey: [StreamID: (buffer: [UInt8], done: (Result<MeshStreamChannel, ServiceRefusal>) -> Void)]] = [:]

    /// Decides on an incoming stream: return an error text to refuse it, or nil and take the
    /// channel.
    public var accept: ((IdentityPublicKey, Header, MeshStreamChannel) -> String?)?

    public struct ServiceRefusal: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    static let maxHeader = 4096

    public init(handler: MeshUDPHandler, logger: Logger) {
        self.handler = handler
        self.logger = logger
    }

    /// Routes a datagram from a peer that has no stream connection yet.
    public func datagram(from key: IdentityPublicKey, payload: [UInt8], counter: UInt64) {
        streamPeer(for: key).receive(payload, counter: counter, now: handler.now())
    }

    /// Forgets a peer that left the netmap: its streams end.
    public func drop(_ key: IdentityPublicKey) {
        for c in channels[key]?.values ?? [:].values { c.end("the peer left the mesh") }
        channels[key] = nil
        pendingHeaders[key] = nil
        pendingAnswers[key] = nil
        peers.removeValue(forKey: key)?.detach()
    }

    /// Opens a service stream to `key`; `done` gets the channel once the peer accepted, or
    /// its reason for refusing.
    public func open(to key: IdentityPublicKey, header: Header, done: @escaping (Result<MeshStreamChannel, ServiceRefusal>) -> Void) {
        let peer = streamPeer(for: key)
        let line = Self.line(header)
        let id = peer.update { conn -> StreamID? in
            guard let id = conn.openStream() else { return nil }
            _ = conn.write(line, to: id)
            return id
        }
        guard let id else { return done(.failure(ServiceRefusal(message: "too many open streams to this peer"))) }
        pendingAnswers[key, default: [:]][id] = ([], done)
    }

    private func streamPeer(for key: IdentityPublicKey) -> StreamPeer {
        if let p = peers[key] { return p }
        let p = StreamPeer(peer: key, handler: handler)
        peers[key] = p
        p.onEvent = { [unowned self] peer, e in self.event(peer, e) }
        p.onRestart = { [unowned self] peer in
            for c in channels[peer.peer]?.values ?? [:].values { c.end("the peer restarted") }
            channels[peer.peer] = nil
            pendingHeaders[peer.peer] = nil
            for (_, p) in pendingAnswers[peer.peer] ?? [:] { p.done(.failure(ServiceRefusal(message: "the peer restarted"))) }
            pendingAnswers[peer.peer] = nil
        }
        return p
    }

    private func event(_ peer: StreamPeer, _ e: StreamEvent) {
        let key = peer.peer
        switch e {
        case .opened(let id) where id.opener != peer.role:
            pendingHeaders[key, default: [:]][id] = []
        case .readable(let id), .finished(let id):
            if let channel = channels[key]?[id], channel.readingPaused {
                // Left unread; `resumeReading()` reads it. `.finished` means every byte up
                // to the FIN was read already: only the end waits.
                if case .finished = e { channel.endPending = true }
                return
            }
            let bytes = peer.update { $0.read(from: id) }
            if var buf = pendingHeaders[key]?[id] {
                buf += bytes
                if let nl = buf.firstIndex(of: 0x0a) {
                    pendingHeaders[key]?[id] = nil
                    incoming(peer, id, header: Array(buf[..<nl]), rest: Array(buf[(nl + 1)...]))
                } else if buf.count > Self.maxHeader {
                    pendingHeaders[key]?[id] = nil
                    peer.update { $0.reset(id, code: 2) }
                } else {
                    pendingHeaders[key]?[id] = buf
                }
            } else if var pending = pendingAnswers[key]?[id] {
                pending.buffer += bytes
                if let nl = pending.buffer.firstIndex(of: 0x0a) {
                    pendingAnswers[key]?[id] = nil
                    let answer = try? JSONDecoder().decode(Answer.self, from: Data(pending.buffer[..<nl]))
                    if answer?.ok == true {
                        let channel = makeChannel(peer, id)
                        channels[key, default: [:]][id] = channel
                        pending.done(.success(channel))
                        let rest = Array(pending.buffer[(nl + 1)...])
                        if !rest.isEmpty { channel.onData?(rest) }
                    } else {
                        pending.done(.failure(ServiceRefusal(message: answer?.error ?? "the peer sent a malformed answer")))
                    }
                } else {
                    pendingAnswers[key]?[id] = pending
                }
            } else if let channel = channels[key]?[id], !bytes.isEmpty {
                channel.onData?(bytes)
            }
            if case .finished(let id) = e, let channel = channels[key]?[id] {
                endOrDefer(channel)
            }
        case .writable(let id):
            channels[key]?[id]?.flush()
        case .reset(let id, let code):
            if let p = pendingAnswers[key]?.removeValue(forKey: id) {
                p.done(.failure(ServiceRefusal(message: "the peer reset the stream (code \(code))")))
            }
            channels[key]?.removeValue(forKey: id)?.end("the peer reset the stream (code \(code))")
        case .connectionClosed(let reason):
            for c in channels[key]?.values ?? [:].values { c.end("the connection closed: \(reason)") }
            for (_, p) in pendingAnswers[key] ?? [:] { p.done(.failure(ServiceRefusal(message: "the connection closed: \(reason)"))) }
            channels[key] = nil
            pendingHeaders[key] = nil
            pendingAnswers[key] = nil
            peers.removeValue(forKey: key)?.detach()
        default:
            break
        }
    }

    /// Ends `channel` after the peer's FIN, unless reading is paused: then on resume.
    private func endOrDefer(_ channel: MeshStreamChannel) {
        let key = channel.peer.peer
        guard channels[key]?[channel.id] === channel else { return }
        if channel.readingPaused {
            channel.endPending = true
            return
        }
        channels[key]?[channel.id] = nil
        channel.end(nil)
    }

    /// A channel's reading resumed: what the stream holds, then the end if it came.
    private func readResumed(_ channel: MeshStreamChannel) {
        let key = channel.peer.peer
        guard channels[key]?[channel.id] === channel else { return }
        let bytes = channel.peer.update { $0.read(from: channel.id) }
        if !bytes.isEmpty { channel.onData?(bytes) }
        if channel.endPending {
            channel.endPending = false
            endOrDefer(channel)
        }
    }

    /// A channel for stream `id` with `peer`, which can resume reading.
    private func makeChannel(_ peer: StreamPeer, _ id: StreamID) -> MeshStreamChannel {
        let channel = MeshStreamChannel(peer: peer, id: id)
        channel.readAvailable = { [weak self] in self?.readResumed($0) }
        return channel
    }

    private func incoming(_ peer: StreamPeer, _ id: StreamID, header bytes: [UInt8], rest: [UInt8]) {
        let key = peer.peer
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes)), header.v == 1 else {
            refuse(peer, id, "malformed service header")
            return
        }
        let channel = makeChannel(peer, id)
        if let refusal = accept?(key, header, channel) {
            logger.notice("stream refused", metadata: ["peer": "\(key)", "service": "\(header.service)", "server": "\(header.server ?? "-")", "reason": "\(refusal)"])
            refuse(peer, id, refusal)
            return
        }
        channels[key, default: [:]][id] = channel
        _ = peer.update { $0.write(Self.line(Answer(ok: true, error: nil)), to: id) }
        if !rest.isEmpty { channel.onData?(rest) }
    }

    private func refuse(_ peer: StreamPeer, _ id: StreamID, _ why: String) {
        peer.update { conn in
            _ = conn.write(Self.line(Answer(ok: false, error: why)), to: id)
            conn.finish(id)
        }
    }

    static func line<T: Encodable>(_ value: T) -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        return Array((try? enc.encode(value)) ?? Data("{}".utf8)) + [0x0a]
    }
}
