import Foundation
import MCP
import XCTest
@testable import MCPBridge

final class FileDescriptorTransportTests: XCTestCase {
    func testReadsFramedMessagesAndWritesLines() async throws {
        var toTransport: [Int32] = [0, 0], fromTransport: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&toTransport), 0)
        XCTAssertEqual(pipe(&fromTransport), 0)
        let transport = FileDescriptorTransport(input: toTransport[0], output: fromTransport[1])
        try await transport.connect()
        let inbox = TestInbox.draining(transport.receive())

        let text = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"method\":\"n\"}\n"
        for byte in Array(text.utf8) { _ = [byte].withUnsafeBytes { write(toTransport[1], $0.baseAddress, 1) } }
        let first = try await inbox.nextJSON()
        XCTAssertEqual(first["method"] as? String, "ping")
        let second = try await inbox.nextJSON()
        XCTAssertEqual(second["method"] as? String, "n")

        try await transport.send(Data("{\n\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}".utf8))
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { read(fromTransport[0], $0.baseAddress, $0.count) }
        XCTAssertEqual(String(decoding: buffer[..<n], as: UTF8.self), "{ \"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n")

        close(toTransport[1])  // end of input ends the messages
        let ended = await inbox.waitUntilFinished()
        XCTAssertTrue(ended)
        await transport.disconnect()
        for fd in [toTransport[0], fromTransport[0], fromTransport[1]] { close(fd) }
    }

    func testRoundTripLatencyIsNotPolled() async throws {
        var toTransport: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&toTransport), 0)
        let transport = FileDescriptorTransport(input: toTransport[0], output: -1)
        try await transport.connect()
        let inbox = TestInbox.draining(transport.receive())
        var times: [Duration] = []
        for i in 0..<50 {
            try await Task.sleep(for: .milliseconds(1))  // let the reader block in read(2)
            let line = Array("{\"jsonrpc\":\"2.0\",\"method\":\"m\(i)\"}\n".utf8)
            let start = ContinuousClock.now
            _ = line.withUnsafeBytes { write(toTransport[1], $0.baseAddress, $0.count) }
            _ = try await inbox.next()
            times.append(ContinuousClock.now - start)
        }
        // The SDK's polling transport takes 5 ms here at the median (it sleeps 10 ms when idle).
        XCTAssertLessThan(times.sorted()[times.count / 2], .milliseconds(4))
        close(toTransport[1])
        _ = await inbox.waitUntilFinished()
        close(toTransport[0])
    }
}
