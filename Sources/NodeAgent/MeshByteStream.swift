import Foundation
import MCPBridge
import NIOCore

/// A mesh stream as the bridge's `ByteStream`, for MCP sessions served here and for the
/// HTTP gateway's sessions.
///
/// - Reads are fed to the bridge from the loop as they arrive (`ByteStream.Inbound`), where
///   `ByteStreamTransport` frames them in the same turn. The transport pauses reading
///   (`MeshStreamChannel.pauseReading()`) while its reader falls behind, which leaves the
///   bytes in the stream layer and stops the sender once the stream's window is full.
/// - A write made on the loop goes into the stream at once; from another thread it is
///   queued on the loop, in order. Either way the writer does not wait for the loop, only
///   for room: while more than `highWater` bytes written are not yet in the stream (whose
///   own send buffer is bounded), writers wait until fewer than `lowWater` are, so memory
///   stays bounded however fast a server produces.
/// - When the stream breaks (reset, connection lost), writes fail and waiting writers are
///   released.
final class MeshByteStream: @unchecked Sendable {
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private let channel: NIOLoopBound<MeshStreamChannel>
    private let loop: any EventLoop
    let inbound = ByteStream.Inbound()

    // Guarded by `lock`.
    private let lock = NSLock()
    /// Writes queued on the loop that have not run yet.
    private var writesOnTheirWay = 0
    /// Bytes written that the stream has not taken yet.
    private var queuedBytes = 0
    private var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    private var nextWaiter = 0
    private var endReason: String?

    /// Wraps `channel`; call on `loop`, which owns it.
    private init(_ channel: MeshStreamChannel, loop: any EventLoop) {
        self.channel = NIOLoopBound(channel, eventLoop: loop)
        self.loop = loop
        channel.onData = { [inbound] bytes in inbound.yield(bytes) }
        channel.onEnd = { [self] reason in
            // A FIN ends only the peer's half: writes may go on. A reset or a lost
            // connection ends both.
            if let reason {
                broke(reason)
                inbound.finish(throwing: MCPBridgeError.io(what: "the mesh stream", reason: reason))
            } else {
                inbound.finish()
            }
        }
        channel.onTaken = { [self] n in taken(n) }
    }

    /// `channel` as a `ByteStream`; call on `loop`.
    static func make(_ channel: MeshStreamChannel, loop: any EventLoop) -> ByteStream {
        let stream = MeshByteStream(channel, loop: loop)
        return ByteStream(inbound: stream.inbound, write: { try await stream.write($0) }, close: { await stream.close() },
                          pauseReading: { stream.pauseReading($0) })
    }

    /// Pauses or resumes reading the channel, on the loop, in the order of the calls.
    private func pauseReading(_ paused: Bool) {
        loop.execute { [channel] in
            if paused { channel.value.pauseReading() } else { channel.value.resumeReading() }
        }
    }

    private func write(_ bytes: [UInt8]) async throws {
        let onLoop = loop.inEventLoop
        let direct: Bool = try lock.withLock {
            if let endReason { throw MCPBridgeError.io(what: "the mesh stream", reason: endReason) }
            queuedBytes += bytes.count
            if onLoop, writesOnTheirWay == 0 { return true }
            writesOnTheirWay += 1
            return false
        }
        if direct {
            channel.value.send(bytes)
        } else {
            loop.execute { [self] in
                lock.withLock { writesOnTheirWay -= 1 }
                channel.value.send(bytes)
            }
        }
        try await waitForRoom()
    }

    /// Waits while more than `highWater` bytes are queued.
    private func waitForRoom() async throws {
        let id: Int? = lock.withLock {
            guard queuedBytes > Self.highWater, endReason == nil else { return nil }
            nextWaiter += 1
            return nextWaiter
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready: Result<Void, any Error>? = lock.withLock {
                    if let endReason { return .failure(MCPBridgeError.io(what: "the mesh stream", reason: endReason)) }
                    if queuedBytes <= Self.lowWater || Task.isCancelled { return .success(()) }
                    waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            lock.withLock { waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// On the loop: `n` bytes went into the stream.
    private func taken(_ n: Int) {
        let released: [CheckedContinuation<Void, any Error>] = lock.withLock {
            queuedBytes -= n
            guard queuedBytes <= Self.lowWater, !waiters.isEmpty else { return [] }
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for w in released { w.resume() }
    }

    /// On the loop: the stream broke; writers waiting for room fail, and later writes.
    private func broke(_ reason: String) {
        let released: [CheckedContinuation<Void, any Error>] = lock.withLock {
            if endReason == nil { endReason = reason }
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for w in released { w.resume(throwing: MCPBridgeError.io(what: "the mesh stream", reason: reason)) }
    }

    /// Finishes the stream after everything written (FIN).
    private func close() async {
        try? await loop.submit { [channel] in channel.value.finishAfterSending() }.get()
    }
}
