/// A Docker Engine API call that failed: which operation, the daemon's status and its own
/// `message` (or the transport's), and what kind of failure it was.
///
/// Messages are scrubbed of the values the call was told are secret (a container's environment
/// values) before they are stored, so an error can be logged as it is.
public struct DockerError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// No response: the daemon could not be reached, or the exchange broke off or timed out.
        case connection
        /// The daemon answered with an error status (`status`), e.g. 404 no such container,
        /// 409 conflict, 500.
        case daemon
        /// The daemon answered 2xx with something this client cannot read.
        case invalidResponse
        /// A build (or an import) reported an error in its progress stream.
        case buildFailed
        /// The daemon does not serve the API version this client speaks.
        case unsupportedAPIVersion
        /// An argument was refused before anything was sent.
        case invalidArgument
        /// The caller stopped a streaming call (a build) before it finished.
        case cancelled
    }

    public let kind: Kind
    /// What was attempted, e.g. `create container`, `build image slipway/app:abc`.
    public let operation: String
    /// The HTTP status for `.daemon` errors.
    public let status: Int?
    /// The daemon's `message` (or the transport's), scrubbed of secrets.
    public let message: String

    init(_ kind: Kind, _ operation: String, status: Int? = nil, message: String, scrubbing secrets: [String] = []) {
        self.kind = kind
        self.operation = operation
        self.status = status
        self.message = Self.scrub(message, secrets)
    }

    /// Whether the daemon said the object does not exist (404).
    public var isNotFound: Bool { kind == .daemon && status == 404 }
    /// Whether the daemon refused because of a conflict (409), e.g. a name in use.
    public var isConflict: Bool { kind == .daemon && status == 409 }

    public var description: String {
        "docker: \(operation) failed" + (status.map { " (HTTP \($0))" } ?? "") + ": " + message
    }

    /// `text` with every secret (of at least 4 characters: shorter ones would blank out common
    /// words) replaced by `[redacted]`.
    static func scrub(_ text: String, _ secrets: [String]) -> String {
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return result
    }
}
