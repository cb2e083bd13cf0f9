import Synchronization

/// Secrets that appear while the bot runs (a GitHub App's installation tokens, minted again every
/// hour), shared by reference by every copy of a `Redactor` it is attached to: a logger or
/// configuration that copied the redactor at start masks a token learned later too.
///
/// Bounded: keeps the `limit` most recent secrets (an installation token lives one hour, so the
/// default covers days of them). Thread-safe.
public final class LearnedSecrets: Sendable {
    public let limit: Int
    private let values = Mutex<[String]>([])

    public init(limit: Int = 64) {
        self.limit = max(1, limit)
    }

    /// Remembers `secret` (values shorter than 4 characters are ignored, as `Redactor` does).
    public func add(_ secret: String) {
        guard secret.count >= 4 else { return }
        values.withLock { values in
            guard !values.contains(secret) else { return }
            values.append(secret)
            if values.count > limit { values.removeFirst(values.count - limit) }
        }
    }

    /// The secrets kept, longest first.
    public var secrets: [String] {
        values.withLock { $0 }.sorted { $0.count > $1.count }
    }
}
