import SlipwayCore
/// Where the state lives, parsed from `--store`: `sqlite:PATH` (relative paths are under the work
/// dir) or `postgres://...` / `postgresql://...`.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String, synchronousFull: Bool)
    case postgres(url: String)

    public init(parsing text: String, workDir: String) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
            return
        }
        guard text.hasPrefix("sqlite:") else {
            throw StoreError(operation: "parse --store",
                             message: "expected sqlite:PATH or postgres://..., got '\(Self.redacted(text))'")
        }
        var path = String(text.dropFirst("sqlite:".count))
        var full = false
        if let q = path.firstIndex(of: "?") {
            let query = path[path.index(after: q)...]
            path = String(path[..<q])
            for item in query.split(separator: "&") {
                switch item {
                case "sync=full": full = true
                case "sync=normal": full = false
                default:
                    throw StoreError(operation: "parse --store", message: "unknown sqlite option '\(item)' (known: sync=full, sync=normal)")
                }
            }
        }
        guard !path.isEmpty else { throw StoreError(operation: "parse --store", message: "sqlite: needs a path") }
        if !path.hasPrefix("/") && path != ":memory:" {
            path = workDir.hasSuffix("/") ? workDir + path : workDir + "/" + path
        }
        self = .sqlite(path: path, synchronousFull: full)
    }

    /// Safe to print: a postgres URL loses its password.
    public var description: String {
        switch self {
        case .sqlite(let path, let full): "sqlite:\(path)\(full ? "?sync=full" : "")"
        case .postgres(let url): Self.redacted(url)
        }
    }

    /// Removes the password from `scheme://user:password@host/...` and `password=...` conninfo.
    public static func redacted(_ text: String) -> String {
        var result = Redactor.maskingURLCredentials(text)
        if let range = result.range(of: "password=") {
            let end = result[range.upperBound...].firstIndex(where: { $0 == " " || $0 == "&" }) ?? result.endIndex
            result.replaceSubrange(range.upperBound..<end, with: "***")
        }
        return result
    }

    /// Opens the store this location names.
    public func open() throws -> any Store {
        switch self {
        case .sqlite(let path, let full): try SQLiteStore(path: path, synchronousFull: full)
        case .postgres(let url): try PostgresStore(url: url)
        }
    }
}
