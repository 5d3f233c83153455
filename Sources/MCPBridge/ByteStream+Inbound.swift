import Foundation

extension ByteStream {
    /// Where a stream's incoming bytes meet its one reader.
    ///
    /// The stream's maker feeds the bytes in as they arrive (`yield`, then `finish` once) on
    /// whatever thread has them; the reader takes them either pushed to it (`deliver(_:end:)`),
    /// called on the feeding thread with no task in between, or as an async sequence
    /// (`chunks`). Bytes fed before the reader starts are kept for it. Deliveries are serial and
    /// in order even when a callback feeds or finishes the same stream again.
    public final class Inbound: @unchecked Sendable {
        // Everything below is guarded by `lock`.
        private let lock = NSLock()
        private var pending: [[UInt8]] = []
        /// Set once by `finish`: nil inside for a clean end, else the error.
        private var ending: (any Error)??
        private var endDelivered = false
        private var receiver: (receive: @Sendable ([UInt8]) -> Void, end: @Sendable ((any Error)?) -> Void)?
        /// True while one thread runs the callbacks; others leave their bytes in `pending`.
        private var delivering = false

        public init() {}

        /// Adds bytes from the other end. Returns false, dropping them, once finished.
        @discardableResult
        public func yield(_ bytes: [UInt8]) -> Bool {
            lock.lock()
            guard ending == nil else {
                lock.unlock()
                return false
            }
            if !bytes.isEmpty { pending.append(bytes) }
            drainLocked()
            return true
        }

        /// Ends the stream: cleanly with nil, else with `error`. Later calls are ignored.
        public func finish(throwing error: (any Error)? = nil) {
            lock.lock()
            guard ending == nil else {
                lock.unlock()
                return
            }
            ending = .some(error)
            drainLocked()
        }

        /// Starts pushing the bytes to `receive` (each chunk once, in order) and then the end to
        /// `end` (nil for a clean end). Called at most once; bytes already fed go out at once,
        /// on the calling thread.
        public func deliver(_ receive: @escaping @Sendable ([UInt8]) -> Void,
                            end: @escaping @Sendable ((any Error)?) -> Void) {
            lock.lock()
            precondition(receiver == nil, "ByteStream.Inbound has one reader")
            receiver = (receive, end)
            drainLocked()
        }

        /// The bytes as an async sequence (for readers that want one); starts delivery.
        public var chunks: AsyncThrowingStream<[UInt8], any Error> {
            let (stream, sink) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            deliver({ sink.yield($0) }, end: { error in
                if let error { sink.finish(throwing: error) } else { sink.finish() }
            })
            return stream
        }

        /// Runs the callbacks for what is pending, unless another thread already does; called
        /// with `lock` held, returns with it released.
        private func drainLocked() {
            guard let receiver, !delivering else {
                lock.unlock()
                return
            }
            delivering = true
            while true {
                if !pending.isEmpty {
                    let chunks = pending
                    pending.removeAll()
                    lock.unlock()
                    for chunk in chunks { receiver.receive(chunk) }
                    lock.lock()
                    continue
                }
                if let ending, !endDelivered {
                    endDelivered = true
                    lock.unlock()
                    receiver.end(ending)
                    lock.lock()
                    continue
                }
                delivering = false
                lock.unlock()
                return
            }
        }
    }
}
