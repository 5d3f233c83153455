import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Logs which signal asked the coordinator to stop, so the log says why it stopped. It only
/// watches: the service group handles the signals themselves (graceful shutdown on SIGTERM
/// and SIGINT).
final class ShutdownSignalLog {
    private let sources: [any DispatchSourceSignal]

    init(logger: Logger, signals: [(Int32, String)] = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")]) {
        sources = signals.map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                logger.notice("\(name) received: shutting down gracefully")
            }
            source.resume()
            return source
        }
    }

    /// Stops watching.
    func cancel() {
        for source in sources { source.cancel() }
    }
}
