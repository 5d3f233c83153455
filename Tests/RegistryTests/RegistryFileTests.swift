import Foundation
import XCTest
@testable import Registry

final class RegistryFileTests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "registry-tests-" + UUID().uuidString
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func testFileRegistryIsPrivateDurableAndSurvivesReopening() throws {
        let directory = root + "/state/db"
        let path = directory + "/registry.sqlite"
        var registry: Registry? = try Registry(path: path)

        XCTAssertEqual(try mode(root + "/state"), 0o700)
        XCTAssertEqual(try mode(directory), 0o700)
        XCTAssertEqual(try mode(path), 0o600)
        XCTAssertEqual(try registry?.rawScalar("PRAGMA journal_mode"), "wal")
        XCTAssertEqual(try registry?.rawScalar("PRAGMA synchronous"), "2")  // FULL
        XCTAssertEqual(try registry?.rawScalar("PRAGMA foreign_keys"), "1")

        try registry?.makeJoinKey(1, tags: ["tag:nas"], reusable: true)
        let node = try XCTUnwrap(registry?.join("nas", key: 1, joinKey: 1, servers: ["files"], endpoints: ["1.2.3.4:5"]))
        XCTAssertEqual(try registry?.nextNetmapVersion(for: node.id), 1)
        XCTAssertEqual(try registry?.nextNetmapVersion(for: node.id), 2)
        try registry?.appendPolicy(text: "{}", author: "alice", now: at(1))
        try registry?.setMeta("coordinator_public_key", to: nodeKey(9))
        if FileManager.default.fileExists(atPath: path + "-wal") {
            XCTAssertEqual(try mode(path + "-wal"), 0o600)
        }
        try registry?.close()
        registry = nil

        let reopened = try Registry(path: path)
        XCTAssertEqual(try reopened.nodes(), [node])
        XCTAssertEqual(try reopened.joinKey(id: "key-1")?.useCount, 1)
        XCTAssertEqual(try reopened.netmapVersion(for: node.id), 2)
        XCTAssertEqual(try reopened.nextNetmapVersion(for: node.id), 3)
        XCTAssertEqual(try reopened.currentPolicy()?.version, 1)
        XCTAssertEqual(try reopened.meta("coordinator_public_key"), nodeKey(9))
        XCTAssertEqual(try reopened.adminActions().count, 3)
        XCTAssertEqual(try reopened.appliedMigrations(), RegistrySchema.migrator().migrations)
        XCTAssertEqual(try reopened.integrityProblems(), [])
        XCTAssertEqual(try reopened.rawScalar("PRAGMA integrity_check"), "ok")
        XCTAssertEqual(try mode(path), 0o600)
    }

    func testExistingLooseFileIsTightenedAndExistingDirectoryLeftAlone() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        let path = root + "/registry.sqlite"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        let registry = try Registry(path: path)
        XCTAssertEqual(try mode(path), 0o600)
        XCTAssertEqual(try mode(root), 0o750)
        try registry.close()
    }

    func testUnusablePathsAreNamedInTheError() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let blocker = root + "/file"
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        assertThrows(.cannotCreateDirectory(path: blocker, reason: "it exists and is not a directory")) {
            try Registry(path: blocker + "/registry.sqlite")
        }
        assertThrows(.cannotOpen(path: root, reason: "Is a directory")) { try Registry(path: root) }
        assertThrows(.cannotOpen(path: "", reason: "the path is empty")) { try Registry(path: "") }
    }

    func testNotADatabaseIsRefusedWithAClearError() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let path = root + "/registry.sqlite"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 4096)))
        do {
            _ = try Registry(path: path)
            XCTFail("opened garbage as a registry")
        } catch {
            XCTAssertTrue(error.description.contains(path), error.description)
            XCTAssertTrue(error.description.contains("not a database"), error.description)
        }
    }

    func testDatabaseFromANewerBuildIsRefused() throws {
        let path = root + "/registry.sqlite"
        let registry = try Registry(path: path)
        try registry.executeRawSQL("INSERT INTO grdb_migrations (identifier) VALUES ('v2_future')")
        try registry.close()
        assertThrows(.schemaTooNew(path: path, unknownMigrations: ["v2_future"])) { try Registry(path: path) }
    }
}
