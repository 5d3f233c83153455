import NIOCore

/// The agent's event loop as a task executor: MCP sessions run with it as their task
/// executor preference, so their tasks and the default actors they call (the session, its
/// transports) run on the loop that owns their mesh stream. A message from the peer is then
/// filtered and passed on in the turn of the loop that received it, and a message for the
/// peer costs one wake-up of the loop instead of a hop to the global pool and another back.
@available(macOS 15.0, *)
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
