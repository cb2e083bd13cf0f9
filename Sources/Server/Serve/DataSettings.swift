public import Foundation
public import SlipwayCore
import YAML

/// The operator's data settings: the database server environments get their databases on, the
/// production source snapshots are read from, the mail catch-all, and the snapshot schedule.
/// Specs never hold connection strings; these come from the bot's configuration only.
///
/// In `slipway.yaml`:
/// ```yaml
/// databases:
///   admin: { env: PG_ADMIN_URL }                    # creates snapshot and environment databases and roles
///   production: { file: /etc/slipway/prod-ro-url }  # read-only source of snapshots
///   tools: /usr/lib/postgresql/15/bin               # optional: where pg_dump and pg_restore are
///   app-host: 10.0.0.5:5432                         # optional: the address apps reach the server at
/// snapshot: { every: 7d, keep: 3 }
/// mail-catchall: smtp://127.0.0.1:1025
/// ```
/// or the flags `--database-admin env:VAR|file:PATH`, `--database-production ...`,
/// `--database-tools DIR`, `--database-app-host HOST:PORT`, `--snapshot-every`, `--snapshot-keep`,
/// `--mail-catchall`. The connection strings are secrets: read when used, never printed.
public struct DataSettings: Sendable, Equatable {
    /// Where the admin connection string is read from; nil: environments get no databases.
    public var admin: Grant.Source?
    /// Where the production source's read-only connection string is read from; nil: no snapshots.
    public var production: Grant.Source?
    /// Directory of `pg_dump` and `pg_restore` (nil: found from the server's version).
    public var tools: String?
    /// Host and port apps connect to (nil: the admin connection's TCP host and port).
    public var appHost: (host: String, port: Int)?
    /// Where neutralized mail goes (`smtp://host:port`); nil: `mail: catch-all` environments are refused.
    public var mailCatchall: MailCatchall?
    /// Snapshots are made this often by `serve` (nil: only by `slipway snapshot create`).
    public var snapshotEvery: TimeInterval?
    /// Snapshots kept (the newest).
    public var snapshotKeep = 3

    public init() {}

    public static func == (lhs: DataSettings, rhs: DataSettings) -> Bool {
        lhs.admin == rhs.admin && lhs.production == rhs.production && lhs.tools == rhs.tools
            && lhs.appHost?.host == rhs.appHost?.host && lhs.appHost?.port == rhs.appHost?.port
            && lhs.mailCatchall == rhs.mailCatchall && lhs.snapshotEvery == rhs.snapshotEvery && lhs.snapshotKeep == rhs.snapshotKeep
    }

    /// The nested sections of slipway.yaml and the option-name prefix their keys become.
    static let sections = ["databases": "database-", "snapshot": "snapshot-", "docs": "docs-"]
    static let sectionKeys = ["databases": ["admin", "production", "tools", "app-host"], "snapshot": ["every", "keep"], "docs": ["publish"]]

    /// `databases: { admin: { env: X } }` → `database-admin = env:X`, so the flags, the
    /// environment and the file share one lookup.
    static func flatten(_ node: YAMLNode, section: String, prefix: String, path: String) throws -> [(String, String)] {
        func at(_ node: YAMLNode) -> String { "\(path):\(node.mark.line):\(node.mark.column)" }
        guard let pairs = node.mapping else {
            throw ConfigError("\(at(node)): '\(section)' must be a mapping, found a \(node.kindName)")
        }
        let keys = sectionKeys[section] ?? []
        var result: [(String, String)] = []
        for pair in pairs {
            guard let written = pair.key.string else { throw ConfigError("\(at(pair.key)): keys in \(section) must be plain names") }
            let key = written.replacingOccurrences(of: "_", with: "-")
            guard keys.contains(key) else {
                var message = "\(at(pair.key)): unknown key '\(written)' in \(section) (expected \(keys.joined(separator: ", ")))"
                if let near = Suggestion.closest(to: key, in: keys) { message += " (did you mean '\(near)'?)" }
                throw ConfigError(message)
            }
            if let fields = pair.value.mapping {
                // `{ env: VAR }` or `{ file: PATH }`: where a secret is, never the secret.
                guard fields.count == 1, let kind = fields[0].key.string, kind == "env" || kind == "file",
                      let where_ = fields[0].value.string, !where_.isEmpty
                else {
                    throw ConfigError("\(at(pair.value)): \(section).\(written) must be { env: VARIABLE } or { file: PATH }; a connection string is never written inline")
                }
                result.append((prefix + key, "\(kind):\(where_)"))
            } else if let text = pair.value.string {
                if key == "admin" || key == "production" {
                    throw ConfigError("\(at(pair.value)): \(section).\(written) must be { env: VARIABLE } or { file: PATH }; a connection string is never written inline (it holds a password)")
                }
                result.append((prefix + key, text))
            } else {
                throw ConfigError("\(at(pair.value)): \(section).\(written) must be a single value, found a \(pair.value.kindName)")
            }
        }
        return result
    }

    /// Resolves the data options of `source`.
    static func resolve(_ source: ConfigSource) throws -> DataSettings {
        var settings = DataSettings()
        func location(_ option: ConfigOption) throws -> Grant.Source? {
            guard let text = source.value(option) else { return nil }
            if text.hasPrefix("env:"), Self.isVariableName(String(text.dropFirst(4))) { return .env(String(text.dropFirst(4))) }
            if text.hasPrefix("file:"), text.count > 5 { return .file(String(text.dropFirst(5))) }
            // Never echo the value: it may be a connection string with a password in it.
            throw ConfigError("--\(option.name) must be env:VARIABLE or file:PATH (where the connection string is, never the string itself)")
        }
        settings.admin = try location(.databaseAdmin)
        settings.production = try location(.databaseProduction)
        if settings.production != nil, settings.admin == nil {
            throw ConfigError("--database-production needs --database-admin: snapshots are restored on the admin's server")
        }
        if let tools = source.value(.databaseTools) {
            guard tools.hasPrefix("/") else { throw ConfigError("--database-tools must be an absolute directory (got '\(tools)')") }
            settings.tools = tools
        }
        if let text = source.value(.databaseAppHost) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port),
                  !text[..<colon].isEmpty
            else { throw ConfigError("--database-app-host must be HOST:PORT (got '\(text)')") }
            settings.appHost = (String(text[..<colon]), port)
        }
        if let text = source.value(.mailCatchall) {
            guard let catchall = MailCatchall(text) else {
                throw ConfigError("--mail-catchall must be smtp://HOST:PORT, with no user or password (a catch-all needs none)")
            }
            settings.mailCatchall = catchall
        }
        if let text = source.value(.snapshotEvery), text != "0" {
            guard let duration = Duration(parsing: text), duration.seconds >= 60 else {
                throw ConfigError("--snapshot-every must be a duration of at least 1m, like 7d, or 0 for never (got '\(text)')")
            }
            guard settings.production != nil else {
                throw ConfigError("--snapshot-every needs a production source (databases.production in slipway.yaml or --database-production)")
            }
            settings.snapshotEvery = duration.seconds
        }
        if let text = source.value(.snapshotKeep) {
            guard let keep = Int(text), (1...100).contains(keep) else {
                throw ConfigError("--snapshot-keep must be a number from 1 to 100 (got '\(text)')")
            }
            settings.snapshotKeep = keep
        }
        return settings
    }

    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// Reads a connection string from where `location` says. Errors name the place, never the value.
    public static func read(_ location: Grant.Source, environment: [String: String] = ProcessInfo.processInfo.environment,
                            what: String) throws -> String {
        switch location {
        case .env(let variable):
            guard let value = environment[variable], !value.isEmpty else {
                throw ConfigError("the \(what) connection string: the variable \(variable) is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError("the \(what) connection string: cannot read \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw ConfigError("the \(what) connection string: \(path) is empty") }
            return value
        }
    }
}
