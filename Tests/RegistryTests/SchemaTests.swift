import Foundation
import XCTest
@testable import Registry

final class SchemaTests: XCTestCase {
    func testMigrationsAreNamedV1AndAllApplied() throws {
        let registry = try Registry.inMemory()
        let names = RegistrySchema.migrator().migrations
        XCTAssertEqual(names, [
            "v1_join_keys", "v1_nodes", "v1_policy_versions", "v1_admin_actions",
            "v1_netmap_versions", "v1_coordinator_meta",
        ])
        XCTAssertEqual(try registry.appliedMigrations(), names)
        XCTAssertEqual(try registry.meta("schema_format"), "1")
    }

    func testEveryTableIsStrict() throws {
        let registry = try Registry.inMemory()
        for table in ["nodes", "node_tags", "node_servers", "join_keys", "policy_versions",
                      "admin_actions", "netmap_versions", "coordinator_meta"] {
            XCTAssertEqual(try registry.rawInt("SELECT strict FROM pragma_table_list WHERE name = '\(table)'"), 1, table)
        }
    }

    func testIntegrityCheckIsOkAfterABusyLife() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, tags: ["tag:a"], reusable: true, ephemeral: true)
        for n in 1...20 {
            let node = try registry.join("n\(n)", key: n, joinKey: 1, servers: ["s\(n)"], now: at(n))
            _ = try registry.nextNetmapVersion(for: node.id)
            if n % 3 == 0 {
                try registry.removeNode(node.id, actor: "admin", now: at(n))
            } else if n % 4 == 0 { try registry.setTags(["tag:b"], ofNode: node.id, actor: "admin", now: at(n)) }
        }
        try registry.removeEphemeralNodes(lastSeenBefore: at(10), now: at(100))
        XCTAssertEqual(try registry.rawScalar("PRAGMA integrity_check"), "ok")
        XCTAssertEqual(try registry.integrityProblems(), [])
    }

    func testForeignKeyProblemsAreReported() throws {
        let registry = try Registry.inMemory()
        try registry.executeRawSQL("PRAGMA foreign_keys = OFF")
        try registry.executeRawSQL("INSERT INTO node_tags (node_id, tag) VALUES (77, 'tag:x')")
        try registry.executeRawSQL("PRAGMA foreign_keys = ON")
        XCTAssertEqual(try registry.integrityProblems(), ["row 1 of node_tags refers to a missing row of nodes"])
    }

    func testConstraintsBackTheValidation() throws {
        let registry = try Registry.inMemory()
        assertStorageError(containing: "CHECK constraint failed") {
            try registry.executeRawSQL("""
                INSERT INTO nodes (name, public_key, created_at, key_expiry, last_seen_at)
                VALUES ('n', 'mpk:XYZ', '2025-01-01', '2025-01-01', '2025-01-01')
                """)
        }
        assertStorageError(containing: "FOREIGN KEY constraint failed") {
            try registry.executeRawSQL("INSERT INTO node_servers (node_id, name) VALUES (5, 'x')")
        }
    }

    func testCorruptRowOnDiskBecomesAnErrorNotACrash() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1)
        try registry.join("n", key: 1, joinKey: 1)
        try registry.executeRawSQL("UPDATE nodes SET key_expiry = 'not a date'")
        do {
            _ = try registry.nodes()
            XCTFail("decoded a corrupt row")
        } catch {
            XCTAssertTrue(error.description.hasPrefix("the in-memory registry could not list nodes:"), error.description)
        }
    }
}
