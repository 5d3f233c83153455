import Foundation
import NodeAgent
import XCTest

/// `mcpmesh connect` hands its stdin and stdout to the agent with its request line
/// (`SCM_RIGHTS`); the agent takes exactly two pipes or sockets and closes anything else.
final class DescriptorPassingTests: XCTestCase {
    private func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw POSIXError(.EIO) }
        return (fds[0], fds[1])
    }

    private func pipePair() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(.EIO) }
        return (fds[0], fds[1])
    }

    private func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    private func closeAll(_ fds: Int32...) { for fd in fds { close(fd) } }

    func testTwoPipesArriveWithTheLineAndWork() throws {
        let (a, b) = try socketPair()
        let stdin = try pipePair(), stdout = try pipePair()
        defer { closeAll(a, b, stdin.read, stdin.write, stdout.read, stdout.write) }
        let line = Array("{\"op\":\"connect\",\"stdio\":\"fds\"}\n".utf8)
        XCTAssertTrue(DescriptorPassing.send(line, descriptors: [stdin.read, stdout.write], on: a))
        XCTAssertEqual(write(a, "xy", 2), 2)
        let got = try XCTUnwrap(DescriptorPassing.readLine(from: b))
        XCTAssertEqual(got.line, Array(line.dropLast()))
        XCTAssertFalse(got.truncated)
        XCTAssertEqual(got.descriptors.count, 2)
        let fds = try DescriptorPassing.clientStdio(got.descriptors, truncated: got.truncated).get()
        defer { closeAll(fds.input, fds.output) }
        XCTAssertNotEqual(fds.input, stdin.read, "received descriptors are new numbers")
        XCTAssertTrue(fcntl(fds.input, F_GETFD) & FD_CLOEXEC != 0, "received close-on-exec")
        XCTAssertTrue(fcntl(fds.output, F_GETFD) & FD_CLOEXEC != 0, "received close-on-exec")
        // What the client writes to its stdin the receiver reads; what it writes, the client's stdout has.
        XCTAssertEqual(write(stdin.write, "in", 2), 2)
        var buf = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(read(fds.input, &buf, 8), 2)
        XCTAssertEqual(Array(buf[0..<2]), Array("in".utf8))
        XCTAssertEqual(write(fds.output, "out", 3), 3)
        XCTAssertEqual(read(stdout.read, &buf, 8), 3)
        XCTAssertEqual(Array(buf[0..<3]), Array("out".utf8))
    }

    func testThreeDescriptorsAreRefusedAndClosed() throws {
        let (a, b) = try socketPair()
        let p = try pipePair(), q = try pipePair()
        let before = openDescriptors()
        let line = Array("{\"op\":\"connect\",\"stdio\":\"fds\"}\n".utf8)
        XCTAssertTrue(DescriptorPassing.send(line, descriptors: [p.read, p.write, q.read], on: a))
        let got = try XCTUnwrap(DescriptorPassing.readLine(from: b))
        XCTAssertEqual(got.descriptors.count, 3)
        guard case .failure(let refusal) = DescriptorPassing.clientStdio(got.descriptors, truncated: got.truncated) else {
            return XCTFail("three descriptors must be refused")
        }
        XCTAssertTrue(refusal.message.contains("got 3"), refusal.message)
        XCTAssertEqual(openDescriptors(), before, "the refused descriptors are closed")
        closeAll(a, b, p.read, p.write, q.read, q.write)
    }

    func testNoDescriptorsAndWrongKindsAreRefused() throws {
        let (a, b) = try socketPair()
        defer { closeAll(a, b) }
        let line = Array("{\"op\":\"connect\",\"stdio\":\"fds\"}\n".utf8)
        XCTAssertEqual(line.withUnsafeBytes { write(a, $0.baseAddress!, line.count) }, line.count)
        let got = try XCTUnwrap(DescriptorPassing.readLine(from: b))
        XCTAssertEqual(got.descriptors, [])
        XCTAssertThrowsError(try DescriptorPassing.clientStdio(got.descriptors, truncated: got.truncated).get())

        // A regular file is not a client's stdio.
        let path = NSTemporaryDirectory() + "descriptor-passing-\(getpid())"
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = open(path, O_RDONLY)
        let p = try pipePair()
        let before = openDescriptors()
        XCTAssertTrue(DescriptorPassing.send(line, descriptors: [file, p.write], on: a))
        let second = try XCTUnwrap(DescriptorPassing.readLine(from: b))
        guard case .failure(let refusal) = DescriptorPassing.clientStdio(second.descriptors, truncated: second.truncated) else {
            return XCTFail("a regular file must be refused")
        }
        XCTAssertTrue(refusal.message.contains("not a pipe"), refusal.message)
        XCTAssertEqual(openDescriptors(), before, "the refused descriptors are closed")
        closeAll(file, p.read, p.write)
    }

    func testDescriptorsOfAnUnfinishedLineAreClosed() throws {
        let (a, b) = try socketPair()
        let p = try pipePair()
        let before = openDescriptors()
        XCTAssertTrue(DescriptorPassing.send(Array("{\"op\":".utf8), descriptors: [p.read, p.write], on: a))
        shutdown(a, Int32(SHUT_WR))
        XCTAssertNil(DescriptorPassing.readLine(from: b), "no line: the peer closed first")
        XCTAssertEqual(openDescriptors(), before, "descriptors received before the peer closed are closed")
        closeAll(a, b, p.read, p.write)
    }
}
