import Foundation
import NIOCore
import NIOPosix
@testable import NodeAgent
import XCTest

/// The local API reads each request line with the descriptors sent with it, and hands a
/// `connect` request's stdin and stdout to its delegate, or closes them and says why.
final class LocalAPIDescriptorTests: XCTestCase {
    /// Records what `connect` was offered; closes offered descriptors, answers relayed. Used
    /// only on the loop.
    final class Delegate: LocalAPIDelegate, @unchecked Sendable {
        var offers: [String] = []
        func answer(_ request: LocalRequest, reply: @escaping ([UInt8]) -> Void) {
            reply(Array("{\"ok\":true}\n".utf8))
        }
        func connect(_ request: LocalRequest, stdio: ClientStdioOffer, toClient: @escaping ([UInt8]) -> Void,
                     closed: @escaping (String?) -> Void, ready: @escaping (String?, LocalPipe?) -> Void) {
            switch stdio {
            case .none: offers.append("none")
            case .descriptors(let input, let output):
                var a = [UInt8](repeating: 0, count: 8)
                let n = read(input, &a, a.count)
                offers.append("fds:\(String(decoding: a[0..<max(n, 0)], as: UTF8.self))")
                _ = write(output, "out", 3)
                DescriptorPassing.closeAll([input, output])
            case .refused(let why): offers.append("refused:\(why)")
            }
            ready(nil, LocalPipe())
        }
    }

    private var group: MultiThreadedEventLoopGroup!
    private var server: LocalAPIServer!
    private var delegate: Delegate!
    private var path = ""

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        path = NSTemporaryDirectory() + "localapi-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let path = self.path
        let (server, delegate) = try await loop.submit { () -> (LocalAPIServer, Delegate) in
            let delegate = Delegate()
            let server = try LocalAPIServer.start(path: path, loop: loop, delegate: NIOLoopBound(delegate as any LocalAPIDelegate, eventLoop: loop))
            return (server, delegate)
        }.get()
        self.server = server
        self.delegate = delegate
    }

    override func tearDown() async throws {
        server.close()
        try await group.shutdownGracefully()
        unlink(path)
    }

    private func offers() throws -> [String] {
        let delegate = self.delegate!
        return try group.next().submit { delegate.offers }.wait()
    }

    private func connectSocket() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    /// Sends `request` (with `descriptors`) and returns the answer line.
    private func ask(_ request: String, descriptors: [Int32]) throws -> [String: Any] {
        let fd = try connectSocket()
        defer { close(fd) }
        let line = Array((request + "\n").utf8)
        if descriptors.isEmpty {
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress!, line.count) }
        } else {
            XCTAssertTrue(DescriptorPassing.send(line, descriptors: descriptors, on: fd))
        }
        var answer: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1024)
        while answer.firstIndex(of: 0x0a) == nil {
            let n = read(fd, &buf, buf.count)
            guard n > 0 else { break }
            answer += buf[0..<n]
        }
        let nl = try XCTUnwrap(answer.firstIndex(of: 0x0a))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(answer[..<nl])) as? [String: Any])
    }

    private func pipePair() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        return (fds[0], fds[1])
    }

    private func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    func testConnectTakesTwoPipes() throws {
        let stdin = pipePair(), stdout = pipePair()
        defer { DescriptorPassing.closeAll([stdin.read, stdin.write, stdout.read, stdout.write]) }
        _ = write(stdin.write, "in", 2)
        let answer = try ask(#"{"op":"connect","peer":"p","server":"s","stdio":"fds"}"#, descriptors: [stdin.read, stdout.write])
        XCTAssertEqual(answer["ok"] as? Bool, true)
        XCTAssertNil(answer["stdio_refused"])
        XCTAssertEqual(try offers(), ["fds:in"])
        var buf = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(read(stdout.read, &buf, 8), 3)
    }

    func testWrongDescriptorsAreClosedAndTheSessionRelayed() throws {
        let p = pipePair(), q = pipePair()
        let before = openDescriptors()
        let three = try ask(#"{"op":"connect","peer":"p","server":"s","stdio":"fds"}"#, descriptors: [p.read, p.write, q.read])
        XCTAssertEqual(three["ok"] as? Bool, true)
        XCTAssertTrue((three["stdio_refused"] as? String ?? "").contains("got 3"), "\(three)")
        let none = try ask(#"{"op":"connect","peer":"p","server":"s","stdio":"fds"}"#, descriptors: [])
        XCTAssertTrue((none["stdio_refused"] as? String ?? "").contains("got 0"), "\(none)")
        let status = try ask(#"{"op":"status"}"#, descriptors: [p.read])
        XCTAssertEqual(status["ok"] as? Bool, false, "descriptors with another request are refused")
        let plain = try ask(#"{"op":"connect","peer":"p","server":"s"}"#, descriptors: [])
        XCTAssertEqual(plain["ok"] as? Bool, true)
        XCTAssertEqual(try offers().count, 3)
        XCTAssertEqual(try offers().last, "none")
        // The agent side closed everything it received (the answers came after). The server
        // side of each finished connection closes on the loop once it sees the client go, so
        // wait for the count to settle; a descriptor leaked stays open and fails this.
        let deadline = Date().addingTimeInterval(3)
        while openDescriptors() != before, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(openDescriptors(), before, "no received descriptor is left open")
        DescriptorPassing.closeAll([p.read, p.write, q.read, q.write])
    }
}
