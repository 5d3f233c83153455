import Foundation
import XCTest
@testable import Registry

/// A SIGKILL leaves exactly what was written to the files; the WAL and `synchronous=FULL`
/// make every acknowledged write part of that. These tests take the files as a killed
/// process would leave them (copied while the registry is still open, never checkpointed
/// or closed) and check that a fresh open finds every acknowledged write and a sound database.
final class CrashSafetyTests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "registry-crash-" + UUID().uuidString
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Copies the database and its WAL as they are on disk now (the `-shm` index is rebuilt
    /// on open, as after a crash).
    private func snapshot(_ path: String, to copy: String) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: (copy as NSString).deletingLastPathComponent,
                                  withIntermediateDirectories: true)
        try files.copyItem(atPath: path, toPath: copy)
        if files.fileExists(atPath: path + "-wal") {
            try files.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        }
    }

    func testFilesLeftByAKilledProcessHoldEveryAcknowledgedWrite() throws {
        let path = root + "/live/registry.sqlite"
        let registry = try Registry(path: path)
        try registry.makeJoinKey(1, tags: ["tag:n"], reusable: true)
        var acknowledgedNodes: [String] = []
        var acknowledgedPolicies: Int64 = 0

        for step in 1...12 {
            let node = try registry.join("n\(step)", key: step, joinKey: 1, now: at(step))
            acknowledgedNodes.append(node.name)
            acknowledgedPolicies = try registry.appendPolicy(text: "{ // \(step)\n}", author: "a", now: at(step)).version
            _ = try registry.nextNetmapVersion(for: node.id)

            let copy = root + "/crash-\(step)/registry.sqlite"
            try snapshot(path, to: copy)
            let recovered = try Registry(path: copy)
            XCTAssertEqual(try recovered.integrityProblems(), [], "after step \(step)")
            XCTAssertEqual(try recovered.nodes().map(\.name).sorted(), acknowledgedNodes.sorted(), "after step \(step)")
            XCTAssertEqual(try recovered.currentPolicy()?.version, acknowledgedPolicies, "after step \(step)")
            XCTAssertEqual(try recovered.currentPolicy()?.text, "{ // \(step)\n}", "after step \(step)")
            XCTAssertEqual(try recovered.netmapVersion(for: node.id), 1, "after step \(step)")
            XCTAssertEqual(try recovered.joinKey(id: "key-1")?.useCount, Int64(step), "after step \(step)")
            // Versions taken after a crash continue from the last acknowledged one.
            XCTAssertEqual(try recovered.nextNetmapVersion(for: node.id), 2, "after step \(step)")
            try recovered.close()
        }
        try registry.close()
    }

    func testConcurrentWritersKeepEveryInvariant() throws {
        let registry = try Registry(path: root + "/registry.sqlite")
        try registry.makeJoinKey(1, reusable: true)
        let node = try registry.join("n", key: 1, joinKey: 1)
        let failures = Failures()

        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<10 {
                do {
                    _ = try registry.appendPolicy(text: "w\(worker)-\(i)", author: "w\(worker)", now: at(i))
                    _ = try registry.nextNetmapVersion(for: node.id)
                    _ = try registry.join("w\(worker)-\(i)", key: 100 + worker * 100 + i, joinKey: 1, now: at(i))
                    _ = try registry.nodes()
                } catch {
                    failures.append("\(error)")
                }
            }
        }

        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(try registry.policyHistory().map(\.version), Array((1...80).reversed()))
        XCTAssertEqual(try registry.netmapVersion(for: node.id), 80)
        XCTAssertEqual(try registry.nodes().count, 81)
        XCTAssertEqual(try registry.joinKey(id: "key-1")?.useCount, 81)
        XCTAssertEqual(try registry.integrityProblems(), [])
        try registry.close()
    }
}

/// Errors collected from several threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func append(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
