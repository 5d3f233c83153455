import NIOCore
import XCTest

@testable import MeshNet

final class UDPAddressTests: XCTestCase {
    func testIPv4CookieBytesAndDescription() throws {
        let a = try UDPAddress(ip: "192.0.2.7", port: 51820)
        XCTAssertEqual(a.cookieBytes, [192, 0, 2, 7, 0xca, 0x6c])
        XCTAssertEqual(a.description, "192.0.2.7:51820")
        XCTAssertFalse(a.isIPv6)
    }

    func testIPv6CookieBytesAndDescription() throws {
        let a = try UDPAddress(ip: "2001:db8::1", port: 443)
        XCTAssertEqual(a.cookieBytes, [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1, 0x01, 0xbb])
        XCTAssertEqual(a.description, "[2001:db8::1]:443")
        XCTAssertTrue(a.isIPv6)
    }

    func testEqualityIgnoresHostNames() throws {
        let a = try UDPAddress(ip: "127.0.0.1", port: 9)
        let b = UDPAddress(try SocketAddress(ipAddress: "127.0.0.1", port: 9))!
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, try UDPAddress(ip: "127.0.0.1", port: 10))
        XCTAssertEqual(Set([a, b]).count, 1)
    }

    func testRoundTripThroughNIO() throws {
        for (ip, port) in [("192.0.2.7", 1), ("2001:db8::42", 65535), ("::1", 0), ("255.255.255.255", 80)] {
            let a = try UDPAddress(ip: ip, port: port)
            XCTAssertEqual(a.socketAddress, try SocketAddress(ipAddress: ip, port: port))
            XCTAssertEqual(UDPAddress(a.socketAddress), a)
        }
        XCTAssertNil(UDPAddress(try SocketAddress(unixDomainSocketPath: "/tmp/x")))
    }

    func testRejectsNamesAndBadPorts() {
        XCTAssertThrowsError(try UDPAddress(ip: "localhost", port: 1))
        XCTAssertThrowsError(try UDPAddress(ip: "127.0.0.1", port: 70000))
    }

    func testFormsForTheSocketFamily() throws {
        let v4 = try UDPAddress(ip: "192.0.2.7", port: 1)
        let mapped = try XCTUnwrap(v4.sendable(on: .inet6))
        XCTAssertEqual(mapped, try UDPAddress(ip: "::ffff:192.0.2.7", port: 1))
        XCTAssertEqual(v4.sendable(on: .inet), v4)
        XCTAssertNil(try UDPAddress(ip: "::1", port: 1).sendable(on: .inet))
    }
}
