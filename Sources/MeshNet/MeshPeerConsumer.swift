import MeshCrypto
import MeshWire

/// A per-peer layer that runs on the endpoint's event loop, in the packet path: the place
/// where reliable streams (`MeshStream.StreamConnection`) plug in without any hop per
/// packet. The handler calls it synchronously:
///
/// - `receive` for each authenticated datagram from its peer, as it is decrypted;
/// - `produce` once at the end of each read batch in which it received something, when its
///   `nextDeadline` has come, after a session event, and after `MeshUDPHandler.wake(_:)`;
///   there it sends what it has, typically
///   `while let n = link.nextSendCounter, let d = connection.nextDatagram(packetNumber: n, now: now) { link.send(d) }`;
/// - `sessionEvent` for its peer's handshake, endpoint, restart and failure events.
///
/// Everything a consumer sends during a batch goes out in that batch's one flush. A
/// consumer is bound to the loop; it must not block.
public protocol MeshPeerConsumer: AnyObject {
    /// An authenticated payload from the peer under `counter` (its packet number).
    func receive(_ payload: [UInt8], counter: UInt64, now: Instant)
    /// Time to send: handle due timeouts, then send through `link` while it has counters.
    func produce(_ link: MeshPeerLink, now: Instant)
    /// A session event of this peer (never `.datagram` or `.socketClosed`).
    func sessionEvent(_ event: MeshEvent, now: Instant)
    /// When `produce` must next run even without input; nil when never.
    var nextDeadline: Instant? { get }
}

extension MeshPeerConsumer {
    public func sessionEvent(_ event: MeshEvent, now: Instant) {}
}

/// A consumer's way to send to its peer during `produce` (or any call on the loop). Valid
/// for the call it was handed to; do not keep it.
public struct MeshPeerLink {
    /// The peer this link sends to.
    public let peer: IdentityPublicKey
    let handler: MeshUDPHandler
    let now: Instant

    /// The counter (packet number) the next `send` will use, or nil when a send would wait
    /// behind a handshake (then `send` starts one if none is running).
    public var nextSendCounter: UInt64? {
        handler.nextSendCounter(to: peer, now: now)
    }

    /// Encrypts and queues `payload` for the peer; returns the counter it went under, or
    /// nil when it was staged behind a handshake (or the peer is no longer allowed).
    @discardableResult
    public func send(_ payload: [UInt8]) -> UInt64? {
        do {
            return try handler.sendOnLoop(payload, to: peer, now: now)
        } catch {
            return nil
        }
    }
}

@available(*, unavailable)
extension MeshPeerLink: Sendable {}
