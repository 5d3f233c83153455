import GRDB

/// The registry's schema history: every migration in the order it ships.
///
/// A migration is NEVER edited once shipped: a database already migrated would not run it
/// again, so an edit would give old and new installations different schemas. Change the
/// schema by appending a new migration (named "v2_…" for the next format) at the end.
/// Names are "v1_…" for the first format. Tables are STRICT, and the constraints and
/// triggers hold the invariants the code relies on even if a bug tried to break them.
enum RegistrySchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()

        // Shipped in the first release. Do not edit; append new migrations below.
        migrator.registerMigration("v1_join_keys") { db in
            try db.execute(sql: """
                CREATE TABLE join_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    secret_hash TEXT NOT NULL UNIQUE,
                    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
                    reusable INTEGER NOT NULL CHECK (reusable IN (0, 1)),
                    ephemeral INTEGER NOT NULL CHECK (ephemeral IN (0, 1)),
                    expires_at TEXT,
                    revoked_at TEXT,
                    created_at TEXT NOT NULL,
                    use_count INTEGER NOT NULL DEFAULT 0 CHECK (use_count >= 0),
                    last_used_at TEXT,
                    CHECK (reusable = 1 OR use_count <= 1)
                ) STRICT;
                """)
        }

        // Shipped in the first release. Do not edit; append new migrations below.
        migrator.registerMigration("v1_nodes") { db in
            try db.execute(sql: """
                CREATE TABLE nodes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    public_key TEXT NOT NULL UNIQUE
                        CHECK (length(public_key) = 68 AND substr(public_key, 1, 4) = 'mpk:'
                               AND substr(public_key, 5) NOT GLOB '*[^0-9a-f]*'),
                    created_at TEXT NOT NULL,
                    key_expiry TEXT NOT NULL,
                    expired INTEGER NOT NULL DEFAULT 0 CHECK (expired IN (0, 1)),
                    expired_at TEXT,
                    ephemeral INTEGER NOT NULL DEFAULT 0 CHECK (ephemeral IN (0, 1)),
                    last_seen_at TEXT NOT NULL,
                    last_endpoints TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(last_endpoints)),
                    join_key_id TEXT REFERENCES join_keys(id) ON DELETE SET NULL,
                    CHECK ((expired = 0) = (expired_at IS NULL))
                ) STRICT;
                CREATE INDEX nodes_ephemeral_last_seen ON nodes(last_seen_at) WHERE ephemeral = 1;

                CREATE TABLE node_tags (
                    node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                    tag TEXT NOT NULL,
                    PRIMARY KEY (node_id, tag)
                ) STRICT;
                CREATE INDEX node_tags_tag ON node_tags(tag);

                CREATE TABLE node_servers (
                    node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    PRIMARY KEY (node_id, name)
                ) STRICT;
                """)
        }

        // Shipped in the first release. Do not edit; append new migrations below.
        migrator.registerMigration("v1_policy_versions") { db in
            try db.execute(sql: """
                CREATE TABLE policy_versions (
                    version INTEGER PRIMARY KEY CHECK (version >= 1),
                    text TEXT NOT NULL,
                    author TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    rolled_back_from INTEGER REFERENCES policy_versions(version),
                    CHECK (rolled_back_from IS NULL OR rolled_back_from < version)
                ) STRICT;
                CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions
                BEGIN SELECT RAISE(ABORT, 'policy history is append-only'); END;
                CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
                BEGIN SELECT RAISE(ABORT, 'policy history is append-only'); END;
                """)
        }

        // Shipped in the first release. Do not edit; append new migrations below.
        migrator.registerMigration("v1_admin_actions") { db in
            try db.execute(sql: """
                CREATE TABLE admin_actions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                ) STRICT;
                CREATE TRIGGER admin_actions_no_update BEFORE UPDATE ON admin_actions
                BEGIN SELECT RAISE(ABORT, 'the admin audit trail is append-only'); END;
                CREATE TRIGGER admin_actions_no_delete BEFORE DELETE ON admin_actions
                BEGIN SELECT RAISE(ABORT, 'the admin audit trail is append-only'); END;
                """)
        }

        // Shipped in the first release. Do not edit; append new migrations below.
        migrator.registerMigration("v1_netmap_versions") { db in
            try db.execute(sql: """
                CREATE TABLE netmap_versions (
                    node_id INTEGER PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL CHECK (version >= 1)
                ) STRICT;
                CREATE TRIGGER netmap_versions_monotonic BEFORE UPDATE ON netmap_versions
                WHEN NEW.version <= OLD.version
                BEGIN SELECT RAISE(ABORT, 'netmap versions only increase'); END;
                """)
        }

        // Shipped in the first release. Do not edit; append new migrations below.
        migrator.registerMigration("v1_coordinator_meta") { db in
            try db.execute(sql: """
                CREATE TABLE coordinator_meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) STRICT;
                INSERT INTO coordinator_meta (key, value) VALUES ('schema_format', '1');
                """)
        }

        return migrator
    }
}
