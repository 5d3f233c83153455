import Foundation
import XCTest

/// Collects what an async stream yields so tests can wait for the next item with a timeout.
actor TestInbox {
    private var items: [Data] = []
    private(set) var finished = false
    private(set) var failure: (any Error)?

    /// An inbox filled from `stream` in the background.
    static func draining(_ stream: AsyncThrowingStream<Data, any Error>) -> TestInbox {
        let inbox = TestInbox()
        Task {
            do {
                for try await item in stream { await inbox.put(item) }
                await inbox.finish(nil)
            } catch {
                await inbox.finish(error)
            }
        }
        return inbox
    }

    func put(_ item: Data) { items.append(item) }
    func finish(_ error: (any Error)?) {
        finished = true
        failure = error
    }

    /// The next item, waiting up to `timeout`.
    func next(timeout: Duration = .seconds(10)) async throws -> Data {
        let deadline = ContinuousClock.now + timeout
        while items.isEmpty {
            if finished { throw TestInboxError.finished(failure.map { "\($0)" }) }
            if ContinuousClock.now > deadline { throw TestInboxError.timedOut }
            try await Task.sleep(for: .milliseconds(2))
        }
        return items.removeFirst()
    }

    /// The next item as a JSON object.
    nonisolated func nextJSON(timeout: Duration = .seconds(10)) async throws -> [String: Any] {
        let data = try await next(timeout: timeout)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestInboxError.notAnObject(String(decoding: data, as: UTF8.self))
        }
        return object
    }

    /// Waits until the stream has ended.
    func waitUntilFinished(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !finished, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return finished
    }

    var pending: Int { items.count }
}

enum TestInboxError: Error {
    case finished(String?)
    case timedOut
    case notAnObject(String)
}

/// The text of the first content item of a tools/call result.
func resultText(_ response: [String: Any]) -> String? {
    ((response["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["text"] as? String
}
