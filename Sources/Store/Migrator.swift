import SQLite
import Postgres

/// Versioned schema migrations. Each backend has the same versions with its own SQL; a version is
/// applied once, in a transaction, and recorded in `schema_migrations`.
enum Migrator {
    struct Migration {
        let version: Int
        let sqlite: String
        let postgres: String
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            sqlite: """
            CREATE TABLE deliveries (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                event TEXT NOT NULL,
                action TEXT,
                received_at REAL NOT NULL,
                content_type TEXT,
                headers TEXT NOT NULL,
                body_size INTEGER NOT NULL,
                status TEXT NOT NULL,
                reason TEXT,
                field_path TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                replays INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_until REAL,
                finished_at REAL
            );
            CREATE INDEX deliveries_queue ON deliveries (status, seq);
            -- Bodies live apart so status updates rewrite small rows only.
            CREATE TABLE delivery_bodies (
                seq INTEGER PRIMARY KEY REFERENCES deliveries (seq) ON DELETE CASCADE,
                body BLOB NOT NULL
            );
            """,
            postgres: """
            CREATE TABLE deliveries (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                event TEXT NOT NULL,
                action TEXT,
                received_at DOUBLE PRECISION NOT NULL,
                content_type TEXT,
                headers TEXT NOT NULL,
                body_size INTEGER NOT NULL,
                status TEXT NOT NULL,
                reason TEXT,
                field_path TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                replays INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_until DOUBLE PRECISION,
                finished_at DOUBLE PRECISION
            );
            CREATE INDEX deliveries_queue ON deliveries (status, seq);
            CREATE TABLE delivery_bodies (
                seq BIGINT PRIMARY KEY REFERENCES deliveries (seq) ON DELETE CASCADE,
                body BYTEA NOT NULL
            );
            """
        ),
        Migration(
            version: 2,
            sqlite: """
            CREATE TABLE pull_requests (
                number INTEGER PRIMARY KEY,
                state TEXT NOT NULL,
                head_sha TEXT NOT NULL,
                base_ref TEXT NOT NULL,
                head_ref TEXT,
                draft INTEGER NOT NULL DEFAULT 0,
                fork INTEGER NOT NULL DEFAULT 0,
                labels TEXT NOT NULL DEFAULT '[]',
                author TEXT,
                label_heads TEXT NOT NULL DEFAULT '{}',
                head_seen_at REAL NOT NULL,
                updated_at TEXT
            );
            CREATE TABLE environments (
                name TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                pull_request INTEGER,
                sha TEXT NOT NULL,
                content_id TEXT NOT NULL,
                spec_file TEXT NOT NULL,
                status TEXT NOT NULL,
                url TEXT,
                port INTEGER,
                pid INTEGER,
                process_start INTEGER,
                last_error TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                environment TEXT NOT NULL,
                kind TEXT NOT NULL,
                environment_kind TEXT,
                pull_request INTEGER,
                sha TEXT,
                content_id TEXT,
                spec_file TEXT,
                reason TEXT NOT NULL,
                trigger TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                lease_owner TEXT,
                lease_until REAL,
                created_at REAL NOT NULL,
                started_at REAL,
                finished_at REAL
            );
            CREATE INDEX jobs_pending ON jobs (status, id);
            CREATE INDEX jobs_environment ON jobs (environment, status);
            """,
            postgres: """
            CREATE TABLE pull_requests (
                number BIGINT PRIMARY KEY,
                state TEXT NOT NULL,
                head_sha TEXT NOT NULL,
                base_ref TEXT NOT NULL,
                head_ref TEXT,
                draft BIGINT NOT NULL DEFAULT 0,
                fork BIGINT NOT NULL DEFAULT 0,
                labels TEXT NOT NULL DEFAULT '[]',
                author TEXT,
                label_heads TEXT NOT NULL DEFAULT '{}',
                head_seen_at DOUBLE PRECISION NOT NULL,
                updated_at TEXT
            );
            CREATE TABLE environments (
                name TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                pull_request BIGINT,
                sha TEXT NOT NULL,
                content_id TEXT NOT NULL,
                spec_file TEXT NOT NULL,
                status TEXT NOT NULL,
                url TEXT,
                port BIGINT,
                pid BIGINT,
                process_start BIGINT,
                last_error TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            );
            CREATE TABLE jobs (
                id BIGSERIAL PRIMARY KEY,
                environment TEXT NOT NULL,
                kind TEXT NOT NULL,
                environment_kind TEXT,
                pull_request BIGINT,
                sha TEXT,
                content_id TEXT,
                spec_file TEXT,
                reason TEXT NOT NULL,
                trigger TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                cancel_requested BIGINT NOT NULL DEFAULT 0,
                error TEXT,
                lease_owner TEXT,
                lease_until DOUBLE PRECISION,
                created_at DOUBLE PRECISION NOT NULL,
                started_at DOUBLE PRECISION,
                finished_at DOUBLE PRECISION
            );
            CREATE INDEX jobs_pending ON jobs (status, id);
            CREATE INDEX jobs_environment ON jobs (environment, status);
            """
        ),
        Migration(
            version: 3,
            sqlite: """
            CREATE TABLE evidence (
                id TEXT PRIMARY KEY,
                environment TEXT NOT NULL,
                environment_kind TEXT NOT NULL,
                kind TEXT NOT NULL,
                sha TEXT NOT NULL,
                pull_request INTEGER,
                outcome TEXT NOT NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                path TEXT NOT NULL,
                branch TEXT NOT NULL,
                commit_sha TEXT NOT NULL,
                record TEXT NOT NULL,
                logs TEXT NOT NULL DEFAULT '[]'
            );
            CREATE INDEX evidence_environment ON evidence (environment, started_at);
            CREATE INDEX evidence_started ON evidence (started_at);
            CREATE INDEX evidence_path ON evidence (path);
            """,
            postgres: """
            CREATE TABLE evidence (
                id TEXT PRIMARY KEY,
                environment TEXT NOT NULL,
                environment_kind TEXT NOT NULL,
                kind TEXT NOT NULL,
                sha TEXT NOT NULL,
                pull_request BIGINT,
                outcome TEXT NOT NULL,
                started_at DOUBLE PRECISION NOT NULL,
                finished_at DOUBLE PRECISION,
                path TEXT NOT NULL,
                branch TEXT NOT NULL,
                commit_sha TEXT NOT NULL,
                record TEXT NOT NULL,
                logs TEXT NOT NULL DEFAULT '[]'
            );
            CREATE INDEX evidence_environment ON evidence (environment, started_at);
            CREATE INDEX evidence_started ON evidence (started_at);
            CREATE INDEX evidence_path ON evidence (path);
            """
        ),
        Migration(
            version: 4,
            sqlite: "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
            postgres: "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        ),
        // Trust: a PR's provenance is three-valued (rows that only refs created, which have no
        // forge metadata, become `unknown`); jobs and environments remember the commit their
        // spec was read at (a preview's base tip); a delivery body seen under another id is a
        // replay.
        Migration(
            version: 5,
            sqlite: """
            ALTER TABLE pull_requests ADD COLUMN provenance TEXT NOT NULL DEFAULT 'unknown';
            UPDATE pull_requests SET provenance = CASE WHEN fork <> 0 THEN 'fork' WHEN updated_at IS NOT NULL THEN 'same-repository' ELSE 'unknown' END;
            ALTER TABLE jobs ADD COLUMN spec_sha TEXT;
            ALTER TABLE environments ADD COLUMN spec_sha TEXT;
            ALTER TABLE deliveries ADD COLUMN body_sha256 TEXT;
            CREATE UNIQUE INDEX deliveries_body ON deliveries (body_sha256);
            """,
            postgres: """
            ALTER TABLE pull_requests ADD COLUMN provenance TEXT NOT NULL DEFAULT 'unknown';
            UPDATE pull_requests SET provenance = CASE WHEN fork <> 0 THEN 'fork' WHEN updated_at IS NOT NULL THEN 'same-repository' ELSE 'unknown' END;
            ALTER TABLE jobs ADD COLUMN spec_sha TEXT;
            ALTER TABLE environments ADD COLUMN spec_sha TEXT;
            ALTER TABLE deliveries ADD COLUMN body_sha256 TEXT;
            CREATE UNIQUE INDEX deliveries_body ON deliveries (body_sha256);
            """
        ),
        // Jobs that survive stops: a graceful stop puts a running job back (`requeues` counts
        // those runs, which do not count against the attempt limit).
        Migration(
            version: 6,
            sqlite: "ALTER TABLE jobs ADD COLUMN requeues INTEGER NOT NULL DEFAULT 0;",
            postgres: "ALTER TABLE jobs ADD COLUMN requeues BIGINT NOT NULL DEFAULT 0;"
        ),
        // Evidence and the knowledge graph as plain tables (docs/sql.md): `builds` (one row per
        // step of a record) and `deployments` (one per record) are derived from the record JSON
        // when it is indexed; `graph_*` hold each regenerated docs graph. Records indexed before
        // this version appear after `slipway evidence reindex`.
        Migration(
            version: 7,
            sqlite: """
            CREATE TABLE builds (
                evidence_id TEXT NOT NULL,
                step INTEGER NOT NULL,
                environment TEXT NOT NULL,
                sha TEXT NOT NULL,
                name TEXT NOT NULL,
                command TEXT NOT NULL,
                exit_code INTEGER,
                killed_because TEXT,
                started_at REAL NOT NULL,
                duration_seconds REAL NOT NULL,
                PRIMARY KEY (evidence_id, step)
            );
            CREATE INDEX builds_environment ON builds (environment, started_at);
            CREATE TABLE deployments (
                evidence_id TEXT PRIMARY KEY,
                environment TEXT NOT NULL,
                environment_kind TEXT NOT NULL,
                kind TEXT NOT NULL,
                sha TEXT NOT NULL,
                content_id TEXT NOT NULL,
                pull_request INTEGER,
                trigger_type TEXT NOT NULL,
                trigger_actor TEXT,
                approvers TEXT,
                health_attempts INTEGER NOT NULL,
                last_health_status INTEGER,
                outcome TEXT NOT NULL,
                failed_phase TEXT,
                started_at REAL NOT NULL,
                finished_at REAL,
                duration_seconds REAL,
                rollback_target TEXT
            );
            CREATE INDEX deployments_environment ON deployments (environment, started_at);
            CREATE TABLE graph_snapshots (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                commit_sha TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE TABLE graph_nodes (
                snapshot_id INTEGER NOT NULL REFERENCES graph_snapshots (id) ON DELETE CASCADE,
                node_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                label TEXT NOT NULL,
                source TEXT NOT NULL,
                properties TEXT NOT NULL,
                PRIMARY KEY (snapshot_id, node_id)
            );
            CREATE TABLE graph_edges (
                snapshot_id INTEGER NOT NULL REFERENCES graph_snapshots (id) ON DELETE CASCADE,
                from_node TEXT NOT NULL,
                kind TEXT NOT NULL,
                to_node TEXT NOT NULL,
                source TEXT NOT NULL,
                PRIMARY KEY (snapshot_id, from_node, kind, to_node)
            );
            """,
            postgres: """
            CREATE TABLE builds (
                evidence_id TEXT NOT NULL,
                step BIGINT NOT NULL,
                environment TEXT NOT NULL,
                sha TEXT NOT NULL,
                name TEXT NOT NULL,
                command TEXT NOT NULL,
                exit_code BIGINT,
                killed_because TEXT,
                started_at DOUBLE PRECISION NOT NULL,
                duration_seconds DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (evidence_id, step)
            );
            CREATE INDEX builds_environment ON builds (environment, started_at);
            CREATE TABLE deployments (
                evidence_id TEXT PRIMARY KEY,
                environment TEXT NOT NULL,
                environment_kind TEXT NOT NULL,
                kind TEXT NOT NULL,
                sha TEXT NOT NULL,
                content_id TEXT NOT NULL,
                pull_request BIGINT,
                trigger_type TEXT NOT NULL,
                trigger_actor TEXT,
                approvers TEXT,
                health_attempts BIGINT NOT NULL,
                last_health_status BIGINT,
                outcome TEXT NOT NULL,
                failed_phase TEXT,
                started_at DOUBLE PRECISION NOT NULL,
                finished_at DOUBLE PRECISION,
                duration_seconds DOUBLE PRECISION,
                rollback_target TEXT
            );
            CREATE INDEX deployments_environment ON deployments (environment, started_at);
            CREATE TABLE graph_snapshots (
                id BIGSERIAL PRIMARY KEY,
                commit_sha TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            );
            CREATE TABLE graph_nodes (
                snapshot_id BIGINT NOT NULL REFERENCES graph_snapshots (id) ON DELETE CASCADE,
                node_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                label TEXT NOT NULL,
                source TEXT NOT NULL,
                properties TEXT NOT NULL,
                PRIMARY KEY (snapshot_id, node_id)
            );
            CREATE TABLE graph_edges (
                snapshot_id BIGINT NOT NULL REFERENCES graph_snapshots (id) ON DELETE CASCADE,
                from_node TEXT NOT NULL,
                kind TEXT NOT NULL,
                to_node TEXT NOT NULL,
                source TEXT NOT NULL,
                PRIMARY KEY (snapshot_id, from_node, kind, to_node)
            );
            """
        ),
        // SQLite keeps webhook bodies in spool files (`BodySpool`), the row saying where; bodies
        // journaled before stay in `body`. PostgreSQL keeps them in rows: same columns, unused.
        Migration(
            version: 8,
            sqlite: "ALTER TABLE delivery_bodies ADD COLUMN spool_segment INTEGER; ALTER TABLE delivery_bodies ADD COLUMN spool_offset INTEGER;",
            postgres: "ALTER TABLE delivery_bodies ADD COLUMN spool_segment BIGINT; ALTER TABLE delivery_bodies ADD COLUMN spool_offset BIGINT;"
        ),
    ]

    static func migrate(sqlite db: SQLiteConnection) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        try db.transaction(.immediate) {
            let applied = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0.int("version") })
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
                try db.execute(migration.sqlite)
                try db.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))",
                           [.integer(Int64(migration.version))])
            }
        }
    }

    static func migrate(postgres db: PostgresConnection) throws {
        try db.transaction {
            // One migrator at a time across replicas.
            try db.execute("SELECT pg_advisory_xact_lock(7301)")
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let applied = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0.int("version") })
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
                try db.execute(migration.postgres)
                try db.run("INSERT INTO schema_migrations (version) VALUES ($1)", [.int(Int64(migration.version))])
            }
        }
    }
}
