public import Foundation

/// Who made a commit and when (author or committer).
///
/// Git stores whole seconds and a time-zone offset; sub-second parts of `date` are dropped when a
/// commit is written. A value type: safe to pass between threads.
public struct Signature: Sendable, Hashable {
    public var name: String
    public var email: String
    public var date: Date
    /// The author's offset from UTC in minutes (e.g. 120 for +0200), as recorded in the commit.
    public var timeZoneOffsetMinutes: Int

    public init(name: String, email: String, date: Date = Date(), timeZoneOffsetMinutes: Int = 0) {
        self.name = name
        self.email = email
        self.date = date
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
    }
}
