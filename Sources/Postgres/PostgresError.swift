/// A failed libpq call or SQL command: which function failed, the server's SQLSTATE and severity,
/// and its primary message (read from the result right away, or `PQerrorMessage` when there is
/// no result).
///
/// Never contains the connection string or a password: connection errors are built from libpq's
/// message with any password taken out. `description` leaves out `detail`, which can quote row
/// values (`Key (token)=(...) already exists`); read `detail` deliberately when you need it.
///
/// A plain value: safe to share between threads.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libpq function or step that failed, e.g. `PQexecParams`, `PQconnectdbParams`, `COMMIT`.
    public let function: String
    /// The five-character SQLSTATE (`23505`, `42601`, ...); nil for client-side failures.
    public let sqlState: String?
    /// `ERROR`, `FATAL`, `PANIC` (non-localised); nil for client-side failures.
    public let severity: String?
    /// The primary message.
    public let message: String
    /// The server's DETAIL line, if any (may quote data; not part of `description`).
    public let detail: String?
    /// The server's HINT line, if any.
    public let hint: String?
    /// The violated constraint's name for integrity errors.
    public let constraint: String?

    public init(function: String, sqlState: String? = nil, severity: String? = nil, message: String,
                detail: String? = nil, hint: String? = nil, constraint: String? = nil) {
        self.function = function
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
    }

    /// SQLSTATE 23505: a UNIQUE or PRIMARY KEY constraint failed.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// SQLSTATE 40001: a serializable transaction must be retried.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// SQLSTATE 40P01: the transaction was chosen as a deadlock victim and may be retried.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// The connection could not be made or was lost (SQLSTATE class 08, or a connect/reset failure).
    public var isConnectionFailure: Bool {
        sqlState?.hasPrefix("08") == true || function == "PQconnectdbParams" || function == "PQreset"
    }

    public var description: String {
        var text = "\(function) failed"
        if let severity { text += ": \(severity)" }
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}

/// A NOTICE, WARNING or other non-error message the server sent during a command.
public struct PostgresNotice: Sendable, Equatable {
    /// `NOTICE`, `WARNING`, `INFO`, `DEBUG`, `LOG` (non-localised).
    public let severity: String
    public let sqlState: String?
    public let message: String

    public init(severity: String, sqlState: String?, message: String) {
        self.severity = severity
        self.sqlState = sqlState
        self.message = message
    }
}
