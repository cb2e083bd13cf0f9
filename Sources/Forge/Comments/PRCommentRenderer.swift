import Foundation
public import SlipwayCore

/// Renders the sticky PR comment from `templates/pr-comment.md` (the built-in copy, or the text of
/// a managed repository's own override) with SlipwayCore's `Template`.
///
/// The hidden marker is always in the result, even when an override leaves it out, and the whole
/// result passes through the redactor (the log tail is already redacted by the runner; this is a
/// second line of defence). Pure: safe from several threads.
public struct PRCommentRenderer: Sendable {
    /// The hidden marker that identifies Slipway's comment.
    public static let marker = "<!-- slipway:pr-comment -->"
    /// Where a managed repository may commit its own template.
    public static let templatePath = "templates/pr-comment.md"
    /// The most log lines shown for a failure, and the longest line.
    public static let maxLogLines = 40
    public static let maxLogLineLength = 400
    /// GitHub refuses comment bodies over 65,536 characters; stay below.
    public static let maxBodyLength = 60_000

    public let template: Template
    public let redactor: Redactor

    /// `templateText` nil uses `defaultTemplate`. Throws the template's parse error (with
    /// line and column) for a broken override.
    public init(templateText: String? = nil, redactor: Redactor = Redactor()) throws(Template.Error) {
        template = try Template(templateText ?? Self.defaultTemplate, name: Self.templatePath)
        self.redactor = redactor
    }

    /// The comment body for `state`.
    public func render(_ state: PRCommentState) throws(Template.Error) -> String {
        var body = try template.render(context(state))
        if !body.contains(Self.marker) { body = Self.marker + "\n" + body }
        body = redactor.redact(body)
        if body.count > Self.maxBodyLength {
            body = String(body.prefix(Self.maxBodyLength)) + "\n\n… (truncated)\n"
        }
        return body
    }

    /// The values the template sees (documented in `templates/README.md`).
    public func context(_ state: PRCommentState) -> TemplateValue {
        [
            "marker": .string(Self.marker),
            "pullRequest": .number(Double(state.pullRequest)),
            "environments": .list(state.environments.map(environmentContext)),
            "notices": .list(state.notices.map(noticeContext)),
            "isolationWarning": TemplateValue(state.isolationWarning),
        ]
    }

    /// A notice's details can quote a PR's own files (validate's messages about its specs):
    /// they are shown inside a code fence longer than any backtick run in them, so nothing in
    /// them renders as Markdown, HTML, links or mentions.
    private func noticeContext(_ notice: PRCommentState.Notice) -> TemplateValue {
        let details = notice.details.prefix(Self.maxLogLines).map { line in
            let clean = redactor.redact(line)
            return clean.count > Self.maxLogLineLength ? String(clean.prefix(Self.maxLogLineLength)) + "…" : clean
        }.joined(separator: "\n")
        return .object([
            "message": .string(redactor.redact(notice.message)),
            "details": .string(details),
            "fence": .string(Self.fence(for: details)),
        ])
    }

    private func environmentContext(_ environment: PRCommentState.Environment) -> TemplateValue {
        let lines = environment.failureLogTail.suffix(Self.maxLogLines).map { line in
            let clean = redactor.redact(line)
            return clean.count > Self.maxLogLineLength ? String(clean.prefix(Self.maxLogLineLength)) + "…" : clean
        }
        let log = lines.joined(separator: "\n")
        var fields: [String: TemplateValue] = [
            "name": .string(environment.name),
            "url": TemplateValue(environment.url),
            "state": .string(environment.state.rawValue),
            "stateLabel": .string(environment.state.label),
            "building": .bool(environment.state == .building),
            "deploying": .bool(environment.state == .deploying),
            "healthy": .bool(environment.state == .healthy),
            "failed": .bool(environment.state == .failed),
            "tornDown": .bool(environment.state == .tornDown),
            "sha": .string(environment.sha),
            "shortSHA": .string(String(environment.sha.prefix(12))),
            "buildDuration": TemplateValue(environment.buildSeconds.map(Self.duration)),
            "deployDuration": TemplateValue(environment.deploySeconds.map(Self.duration)),
            "health": TemplateValue(environment.health),
            "evidenceURL": TemplateValue(environment.evidenceURL),
            "neutralization": .list(environment.neutralization.map { .string($0) }),
            "database": TemplateValue(environment.database),
            "tearDownAt": TemplateValue(environment.tearDownAt.map(Self.timestamp)),
            "failedPhase": TemplateValue(environment.failedPhase),
            "failure": TemplateValue(environment.failure.map { CommitStatusRequest.oneLine(redactor.redact($0)) }),
            "failureLog": .string(log),
            "fence": .string(Self.fence(for: log)),
        ]
        if environment.failure == nil, environment.state == .failed { fields["failure"] = .string("see the evidence record") }
        return .object(fields)
    }

    /// `42s`, `1m 04s`, `1h 02m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return seconds < 10 && seconds != seconds.rounded() ? String(format: "%.1fs", seconds) : "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h \(String(format: "%02d", total / 60 % 60))m"
    }

    /// `2026-11-25 01:30 UTC`.
    static func timestamp(_ date: Date) -> String {
        let text = LogFormat.timestamp(date) // 2026-11-25T01:30:11.123Z
        return text.prefix(10) + " " + text.dropFirst(11).prefix(5) + " UTC"
    }

    /// A backtick fence longer than the longest run of backticks in `text` (at least three).
    static func fence(for text: String) -> String {
        var longest = 0, run = 0
        for character in text {
            if character == "`" { run += 1; longest = max(longest, run) } else { run = 0 }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }
}
