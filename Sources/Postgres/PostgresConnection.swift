internal import CPQ
internal import Foundation

/// A blocking connection to a PostgreSQL server through libpq.
///
/// Owns a `PGconn` from `PQconnectdbParams`, freed with `PQfinish` in `deinit` (and right away
/// when connecting fails, as libpq's documentation requires).
///
/// Thread safety: one connection may be shared by several threads: every public call runs under
/// the connection's own recursive lock, so commands are serialised (libpq itself must not be
/// used concurrently on one `PGconn`). `transaction` holds the lock for its whole body, so other
/// threads' commands never land inside it. For parallel work open several connections.
///
/// Blocking: every call waits for the server. Call it from a dedicated thread or queue, never
/// from Swift's cooperative thread pool (which has as few threads as cores) or from an actor
/// that serves requests.
///
/// Server notices (`RAISE NOTICE`, warnings) go to the `noticeHandler` given at init, or are
/// dropped; they never reach stderr.
public final class PostgresConnection: @unchecked Sendable {
    /// Isolation level for `transaction`.
    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    private let handle: OpaquePointer
    private let lock = NSRecursiveLock()
    /// Receives notices; referenced unretained by libpq's notice receiver, so it must live as
    /// long as `handle` (it is released after `deinit` has called `PQfinish`).
    private let noticeSink: NoticeSink
    /// Passwords from the connection string, only used to scrub them from libpq's messages.
    private let secrets: [String]
    /// Depth of nested `transaction` calls; guarded by `lock`.
    private var transactionDepth = 0

    /// Connects with a libpq connection string: either a URL such as
    /// `postgres://user:pass@host:5432/db?host=/run/postgresql` or key=value pairs such as
    /// `host=/tmp port=5432 user=app dbname=app`. The client encoding is always UTF8.
    /// The error never contains the connection string or the password.
    public init(_ conninfo: String, noticeHandler: (@Sendable (PostgresNotice) -> Void)? = nil) throws {
        let secrets = try ConnectionString.secrets(in: conninfo)
        self.secrets = secrets
        noticeSink = NoticeSink(handler: noticeHandler)
        // expand_dbname=1 expands the dbname value as a full connection string; later keywords win.
        let keywords = ["dbname", "client_encoding", "fallback_application_name"]
        let values = [conninfo, "UTF8", "slipway"]
        let connection = Self.withCStringArray(keywords) { keywordPointers in
            Self.withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(function: "PQconnectdbParams", message: "out of memory creating the connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = ConnectionString.scrub(Self.errorMessage(connection), secrets: secrets)
            PQfinish(connection)
            throw PostgresError(function: "PQconnectdbParams", message: message)
        }
        handle = connection
        PQsetNoticeReceiver(handle, slipwayNoticeReceiver, Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    deinit {
        PQfinish(handle)
    }

    // MARK: Connection state

    /// Whether libpq considers the connection good (`PQstatus == CONNECTION_OK`). A connection the
    /// server dropped only shows as bad after a command on it has failed; then call `reset()`.
    public var isConnected: Bool {
        withHandle { PQstatus($0) == CONNECTION_OK }
    }

    /// Closes and reopens the connection with the same parameters (`PQreset`). Prepared
    /// statements and session settings are gone afterwards.
    public func reset() throws {
        try withHandle { connection in
            PQreset(connection)
            guard PQstatus(connection) == CONNECTION_OK else {
                throw PostgresError(function: "PQreset",
                                    message: ConnectionString.scrub(Self.errorMessage(connection), secrets: secrets))
            }
        }
    }

    /// The server's version as a number, e.g. 150004 for 15.4 (`PQserverVersion`).
    public var serverVersion: Int { withHandle { Int(PQserverVersion($0)) } }

    /// The process ID of the server backend serving this connection (`PQbackendPID`).
    public var backendPID: Int32 { withHandle { PQbackendPID($0) } }

    // MARK: Commands

    /// Runs one or more `;`-separated commands without parameters (`PQexec`); rows are discarded.
    /// Without an explicit transaction, the commands of one call run in one implicit transaction.
    public func execute(_ sql: String) throws {
        _ = try perform("PQexec") { PQexec($0, sql) }
    }

    /// Runs one command with `params` for `$1`, `$2`, ... (`PQexecParams`, text format) and returns
    /// all its rows.
    public func query(_ sql: String, _ params: [PostgresValue] = []) throws -> [PostgresRow] {
        try withParameters(params) { count, types, values in
            try perform("PQexecParams") { PQexecParams($0, sql, count, types, values, nil, nil, 0) }.rows
        }
    }

    /// Runs one command with `params` and returns the number of rows it affected (`PQcmdTuples`;
    /// 0 for commands that report none).
    @discardableResult
    public func run(_ sql: String, _ params: [PostgresValue] = []) throws -> Int {
        try withParameters(params) { count, types, values in
            try perform("PQexecParams") { PQexecParams($0, sql, count, types, values, nil, nil, 0) }.affectedRows
        }
    }

    /// Creates the named prepared statement `name` for this session (`PQprepare`); parameter
    /// types are inferred by the server. Run it with `query(prepared:params:)`/`run(prepared:params:)`.
    public func prepare(name: String, sql: String) throws {
        _ = try perform("PQprepare") { PQprepare($0, name, sql, 0, nil) }
    }

    /// Runs the prepared statement `name` with `params` (`PQexecPrepared`) and returns its rows.
    public func query(prepared name: String, params: [PostgresValue] = []) throws -> [PostgresRow] {
        try withParameters(params) { count, _, values in
            try perform("PQexecPrepared") { PQexecPrepared($0, name, count, values, nil, nil, 0) }.rows
        }
    }

    /// Runs the prepared statement `name` with `params` and returns the number of affected rows.
    @discardableResult
    public func run(prepared name: String, params: [PostgresValue] = []) throws -> Int {
        try withParameters(params) { count, _, values in
            try perform("PQexecPrepared") { PQexecPrepared($0, name, count, values, nil, nil, 0) }.affectedRows
        }
    }

    /// The encrypted form of `password` for `user` (`PQencryptPasswordConn`, the server's
    /// `password_encryption` algorithm, normally `SCRAM-SHA-256$...`), computed here so the
    /// clear password never reaches the server, its statement log or `pg_stat_activity`.
    public func encryptPassword(_ password: String, user: String) throws -> String {
        try withHandle { connection in
            guard let encrypted = PQencryptPasswordConn(connection, password, user, nil) else {
                throw PostgresError(function: "PQencryptPasswordConn",
                                    message: ConnectionString.scrub(Self.errorMessage(connection), secrets: secrets + [password]))
            }
            defer { PQfreemem(encrypted) }
            return String(cString: encrypted)
        }
    }

    // MARK: Transactions

    /// Runs `body` between `BEGIN` and `COMMIT`; rolls back and rethrows when `body` throws. When
    /// a command inside failed and `body` swallowed the error, the aborted transaction is rolled
    /// back and an error is thrown instead of pretending to commit. Nested calls use savepoints.
    /// The connection's lock is held for the whole call.
    @discardableResult
    public func transaction<T>(_ isolation: IsolationLevel? = nil, _ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let outermost = PQtransactionStatus(handle) == PQTRANS_IDLE
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        let savepoint = "slipway_savepoint_\(transactionDepth)"
        if outermost {
            try execute(isolation.map { "BEGIN ISOLATION LEVEL \($0.rawValue)" } ?? "BEGIN")
        } else {
            try execute("SAVEPOINT \(savepoint)")
        }
        let value: T
        do {
            value = try body()
        } catch {
            try? execute(outermost ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)")
            throw error
        }
        if PQtransactionStatus(handle) == PQTRANS_INERROR {
            try? execute(outermost ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)")
            throw PostgresError(function: outermost ? "COMMIT" : "RELEASE SAVEPOINT",
                                sqlState: "25P02", severity: "ERROR",
                                message: "a command in the transaction failed; the transaction was rolled back")
        }
        try execute(outermost ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
        return value
    }

    // MARK: Internals

    private struct Outcome {
        var rows: [PostgresRow]
        var affectedRows: Int
    }

    private func withHandle<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(handle)
    }

    /// Runs `call` under the lock, checks the result, converts it and frees it with `PQclear`.
    private func perform(_ function: String, _ call: (OpaquePointer) -> OpaquePointer?) throws -> Outcome {
        try withHandle { connection in
            guard let result = call(connection) else {
                throw PostgresError(function: function, sqlState: nil, severity: nil,
                                    message: ConnectionString.scrub(Self.errorMessage(connection), secrets: secrets))
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
                throw Self.error(function, result: result, connection: connection)
            }
            return Outcome(rows: Self.rows(of: result), affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
        }
    }

    private static func rows(of result: OpaquePointer) -> [PostgresRow] {
        let columnCount = PQnfields(result), rowCount = PQntuples(result)
        guard columnCount > 0 else { return [] }
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        return (0..<rowCount).map { row in
            let values = (0..<columnCount).map { column -> String? in
                if PQgetisnull(result, row, column) != 0 { return nil }
                let length = Int(PQgetlength(result, row, column))
                return PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
            }
            return PostgresRow(columns: columns, values: values)
        }
    }

    private static func error(_ function: String, result: OpaquePointer, connection: OpaquePointer) -> PostgresError {
        let primary = field(result, DiagnosticField.messagePrimary)
        let resultMessage = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = primary ?? (resultMessage.isEmpty ? errorMessage(connection) : resultMessage)
        return PostgresError(
            function: function,
            sqlState: field(result, DiagnosticField.sqlState),
            severity: field(result, DiagnosticField.severityNonLocalized) ?? field(result, DiagnosticField.severity),
            message: message,
            detail: field(result, DiagnosticField.detail),
            hint: field(result, DiagnosticField.hint),
            constraint: field(result, DiagnosticField.constraintName)
        )
    }

    static func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        PQresultErrorField(result, code).map { String(cString: $0) }
    }

    private static func errorMessage(_ connection: OpaquePointer) -> String {
        guard let text = PQerrorMessage(connection) else { return "unknown libpq error" }
        let message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "unknown libpq error" : message
    }

    /// Converts `params` to C strings and type OIDs that stay valid for the duration of `body`.
    private func withParameters<T>(
        _ params: [PostgresValue],
        _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?) throws -> T
    ) throws -> T {
        for (index, value) in params.enumerated() {
            if case .text(let text) = value, text.utf8.contains(0) {
                throw PostgresError(function: "PQexecParams",
                                    message: "parameter $\(index + 1) contains a NUL character; send binary data as .bytea")
            }
        }
        let strings = params.map { $0.textValue.map { strdup($0) } ?? nil }
        defer { strings.forEach { free($0) } }
        let pointers = strings.map { $0.map { UnsafePointer($0) } }
        let types = params.map(\.typeOID)
        return try pointers.withUnsafeBufferPointer { values in
            try types.withUnsafeBufferPointer { oids in
                try body(Int32(params.count), oids.baseAddress, values.baseAddress)
            }
        }
    }

    private static func withCStringArray<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// libpq's `PG_DIAG_*` field codes (character macros, spelled out here).
enum DiagnosticField {
    static let severity = Int32(UInt8(ascii: "S"))
    static let severityNonLocalized = Int32(UInt8(ascii: "V"))
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let messagePrimary = Int32(UInt8(ascii: "M"))
    static let detail = Int32(UInt8(ascii: "D"))
    static let hint = Int32(UInt8(ascii: "H"))
    static let constraintName = Int32(UInt8(ascii: "n"))
}

/// Holds the notice handler for libpq's notice receiver callback.
final class NoticeSink: Sendable {
    let handler: (@Sendable (PostgresNotice) -> Void)?
    init(handler: (@Sendable (PostgresNotice) -> Void)?) { self.handler = handler }
}

/// libpq's notice receiver: forwards a notice to the connection's handler instead of libpq's
/// default, which prints to stderr. Runs on the thread running the command, under its lock.
private func slipwayNoticeReceiver(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
    guard let handler = sink.handler else { return }
    let severity = PostgresConnection.field(result, DiagnosticField.severityNonLocalized)
        ?? PostgresConnection.field(result, DiagnosticField.severity) ?? "NOTICE"
    let message = PostgresConnection.field(result, DiagnosticField.messagePrimary)
        ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
    handler(PostgresNotice(severity: severity, sqlState: PostgresConnection.field(result, DiagnosticField.sqlState), message: message))
}
