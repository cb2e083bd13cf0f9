/// Who may approve a promotion: GitHub logins and `org/team` slugs, from the target's spec at
/// a trusted commit. Logins compare case-insensitively, as GitHub treats them.
public struct ApproverRule: Sendable, Equatable {
    public let logins: Set<String>
    public let teams: [String]

    public init(_ entries: [String]) {
        logins = Set(entries.filter { !$0.contains("/") }.map { $0.lowercased() })
        teams = entries.filter { $0.contains("/") }.map { $0.lowercased() }
    }

    /// Whether `login` may approve: named directly, or a member of a named team. `teamMembers`
    /// maps `org/team` (lowercased) to its members' lowercased logins; a team missing from it
    /// (its members could not be read) approves nobody.
    public func allows(_ login: String, teamMembers: [String: Set<String>] = [:]) -> Bool {
        let who = login.lowercased()
        if logins.contains(who) { return true }
        return teams.contains { teamMembers[$0]?.contains(who) == true }
    }

    /// The approvers as people read them (`@alice, @bob, @acme/release`).
    public var description: String {
        (logins.sorted() + teams).map { "@\($0)" }.joined(separator: ", ")
    }
}
