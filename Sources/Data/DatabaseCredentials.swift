import Foundation

/// How an environment's app reaches its database; every field is a secret of that environment
/// (the password, and the URL and environment that contain it).
public struct DatabaseCredentials: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String

    public init(host: String, port: Int, database: String, user: String, password: String) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    /// `postgresql://user:password@host:port/database`, each part percent-encoded.
    public var url: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : Self.encode(self.host)
        return "postgresql://\(Self.encode(user)):\(Self.encode(password))@\(host):\(port)/\(Self.encode(database))"
    }

    /// `DATABASE_URL`, `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`.
    public var environment: [String: String] {
        ["DATABASE_URL": url, "PGHOST": host, "PGPORT": String(port), "PGDATABASE": database, "PGUSER": user, "PGPASSWORD": password]
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: "\u{0}"..."\u{7F}"))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Where a new environment database's contents come from.
public enum DatabaseOrigin: Sendable, Equatable {
    /// A copy of this snapshot (template) database.
    case snapshot(String)
    /// An empty database.
    case empty
    /// A `pg_dump | pg_restore` copy of this other environment's database.
    case copy(of: String)
}
