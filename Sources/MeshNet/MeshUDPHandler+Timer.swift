import MeshWire
import NIOCore

/// The one timer: a single task scheduled on the loop at the earliest deadline of the
/// sessions core and of every consumer.
///
/// After each input the deadline is recomputed; the timer moves only when the deadline
/// moved earlier. When it moved later the timer stays and fires early, which is harmless:
/// `tick` fires only what is due, then the timer follows the new deadline. This keeps
/// scheduling off the per-batch path under steady traffic, where deadlines move on every
/// packet.
extension MeshUDPHandler {
    /// The earliest deadline of the core and the consumers.
    var nextDeadline: Instant? {
        var next = withSessions { $0.nextDeadline }
        for entry in consumers.values {
            if let d = entry.consumer.nextDeadline, next.map({ d < $0 }) ?? true { next = d }
        }
        return next
    }

    /// Makes sure the timer fires no later than `nextDeadline`.
    func rescheduleTimer() {
        guard let context, let next = nextDeadline else { return }
        if let current = timerDeadline, current <= next { return }
        timer?.cancel()
        timerDeadline = next
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: clock.deadline(next)) { [self] in
            timerFired()
        }
    }

    func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }

    /// Fires what is due in the core, lets due consumers produce, flushes, and re-arms.
    func timerFired() {
        timer = nil
        timerDeadline = nil
        shellStats.timerFirings += 1
        operation { now in
            var actions = takeScratch()
            sessions.tick(now: now, into: &actions)
            apply(&actions, now: now)
            returnScratch(&actions)
            for entry in consumers.values {
                if let d = entry.consumer.nextDeadline, d <= now { markDirty(entry) }
            }
        }
    }
}
