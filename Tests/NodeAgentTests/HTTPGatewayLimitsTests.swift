import Foundation
import Logging
import MCPBridge
import NIOCore
import NIOPosix
import XCTest
@testable import NodeAgent

/// The gateway listener's bounds on real loopback sockets: a connection that sends no
/// complete request is closed after the idle timeout; connections beyond the limit are
/// closed at once, and a slot freed is usable again.
final class HTTPGatewayLimitsTests: XCTestCase {
    var group: MultiThreadedEventLoopGroup!

    override func setUp() { group = MultiThreadedEventLoopGroup(numberOfThreads: 1) }
    override func tearDown() { try? group.syncShutdownGracefully() }

    struct Unreachable: Error {}

    func listener(_ limits: HTTPGatewayListener.Limits) async throws -> HTTPGatewayListener {
        try await HTTPGatewayListener.start(host: "127.0.0.1", port: 0, limits: limits, group: group,
                                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) { _ in
            throw Unreachable()
        }
    }

    /// A blocking TCP connection to 127.0.0.1:`port`, reads time out after `timeout` s.
    func connect(_ port: Int, timeout: Int = 5) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    func send(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
    }

    /// Reads until EOF, the end of a response head, or the read timeout; returns what came
    /// and whether EOF was seen.
    func readHead(_ fd: Int32) -> (String, eof: Bool) {
        var out = [UInt8](), buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buf, buf.count)
            if n == 0 { return (String(decoding: out, as: UTF8.self), true) }
            if n < 0 { return (String(decoding: out, as: UTF8.self), false) }
            out += buf[0..<n]
            if String(decoding: out, as: UTF8.self).contains("\r\n\r\n") { return (String(decoding: out, as: UTF8.self), false) }
        }
    }

    func testAConnectionWithoutACompleteRequestIsClosedAfterTheIdleTimeout() async throws {
        let l = try await listener(.init(maxConnections: 8, idleTimeout: .milliseconds(300)))
        let port = l.gateway.port
        let silent = try connect(port), partial = try connect(port)
        defer { close(silent); close(partial) }
        send(partial, "GET /nas/time/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        let start = Date()
        XCTAssertTrue(readHead(silent).eof, "a silent connection is closed")
        XCTAssertTrue(readHead(partial).eof, "a connection that never finishes its head is closed")
        let took = Date().timeIntervalSince(start)
        XCTAssertGreaterThan(took, 0.2)
        XCTAssertLessThan(took, 4)

        // A connection that asks something gets its answer.
        let asking = try connect(port)
        defer { close(asking) }
        send(asking, "GET /nas/time/mcp HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
        let (answer, eof) = readHead(asking)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 404"), answer)
        XCTAssertFalse(eof)
        await l.close()
    }

    func testConnectionsBeyondTheLimitAreClosedAtOnce() async throws {
        let l = try await listener(.init(maxConnections: 2, idleTimeout: .seconds(30)))
        let port = l.gateway.port
        let a = try connect(port), b = try connect(port)
        defer { close(a) }
        try await Task.sleep(for: .milliseconds(200))
        let c = try connect(port)
        let start = Date()
        XCTAssertTrue(readHead(c).eof, "the third connection is closed")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        close(c)

        // One ends: a new one is admitted and answered.
        close(b)
        try await Task.sleep(for: .milliseconds(200))
        let d = try connect(port)
        defer { close(d) }
        send(d, "GET /nas/time/mcp HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
        let (answer, _) = readHead(d)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 404"), answer)
        XCTAssertEqual(l.openConnections, 2)
        // Closing the listener closes the connections it holds.
        await l.close()
        XCTAssertTrue(readHead(a).eof)
        for _ in 0..<100 where l.openConnections > 0 { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertEqual(l.openConnections, 0)
    }
}
