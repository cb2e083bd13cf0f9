import Crypto
import Foundation
import Git
public import HTTPTypes
import Reconcile
import SlipwayCore
import Store
import Synchronization

/// The dashboard: server-rendered HTML (no JavaScript) of every environment by kind, failures
/// first, the last deploys with their evidence and log tails, and the promotion state; readable
/// on a phone. Same access as the API: a session cookie from `/login` (the token in a form, or a
/// single-use link from `slipway dashboard link`), or the bearer token.
public final class Dashboard: @unchecked Sendable {
    let api: ReadAPI
    let repositoryName: String
    /// The operator's template directory (`--dashboard-templates`), read at each render.
    let templateDirectory: String?
    /// The latest `slipway diag` report of the running bot (nil before the first run).
    let diagnostics: @Sendable () -> DiagnosticReport?
    /// The repository's templates as read at a tip of the default branch: name -> (tip, text).
    /// Two entries at most (index, evidence); read again only when the branch moves.
    private let repositoryTemplates = Mutex<[String: (tip: String, text: String?)]>([:])

    public init(api: ReadAPI, repositoryName: String, templateDirectory: String?,
                diagnostics: @escaping @Sendable () -> DiagnosticReport? = { nil }) {
        self.api = api
        self.repositoryName = repositoryName
        self.templateDirectory = templateDirectory
        self.diagnostics = diagnostics
    }

    public func register(into router: inout Router) {
        router.get("/", page { [self] _ in try render("index", context: indexContext()) })
        router.get("/evidence/:id", page { [self] request in
            guard let context = try evidenceContext(request.pathParameters["id"] ?? "") else {
                return HTTPResponse(status: 404, body: "no evidence record with that id\n")
            }
            return try render("evidence", context: context)
        })
        router.get("/login", { [self] request in
            if let ticket = request.queryValue("ticket") {
                guard api.access.redeem(ticket) else { return loginPage(message: "That link has expired or was used already.", status: 401) }
                return signedIn()
            }
            return loginPage(message: nil, status: 200)
        })
        router.post("/login", { [self] request in
            let token = Self.formValue("token", in: request.bodyText ?? "") ?? ""
            guard api.access.isToken(token) else { return loginPage(message: "That is not the token.", status: 401) }
            return signedIn()
        })
        router.post("/logout", { _ in
            var response = HTTPResponse(status: 303, body: Data(), contentType: "text/plain")
            response.headers.set("Location", "/login")
            response.headers.set("Set-Cookie", "\(APIAccess.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
            return response
        })
    }

    // MARK: Contexts

    func indexContext() throws -> TemplateValue {
        let now = Date()
        let environments = try api.environments()
        let evidence = try api.store.evidence(environment: nil, limit: 20)
        let lastDeploy = Dictionary(evidence.filter { $0.kind == "deploy" }.map { ($0.environment, $0.id) }, uniquingKeysWith: { a, _ in a })
        func item(_ summary: ReadAPI.EnvironmentSummary) -> TemplateValue {
            let record = summary.record
            return .object([
                "name": .string(record.name), "status": .string(record.status.rawValue), "sha": .string(String(record.sha.prefix(7))),
                "pullRequest": record.pullRequest.map { .string("\($0)") } ?? .null, "url": TemplateValue(record.url),
                "age": .string(Self.span(now.timeIntervalSince(record.createdAt))),
                "ttlLeft": summary.ttlExpiresAt.map { .string(Self.span(max(0, $0.timeIntervalSince(now)))) } ?? .null,
                "pin": TemplateValue(summary.pin?.summary), "lastError": TemplateValue(record.lastError),
                "evidenceLink": lastDeploy[record.name].map { .string("/evidence/\($0)") } ?? .null,
            ])
        }
        let failing = environments.filter { $0.record.status == .failed }
        let kinds: [TemplateValue] = EnvironmentKind.allCases.map { kind in
            // Failures first within a kind, then by name.
            let members = environments.filter { $0.record.kind == kind && $0.record.status != .tornDown }
                .sorted { ($0.record.status == .failed ? 0 : 1, $0.record.name) < ($1.record.status == .failed ? 0 : 1, $1.record.name) }
            return .object(["kind": .string(kind.rawValue), "title": .string(kind == .preview ? "Previews" : kind.rawValue.capitalized),
                            "count": .string("\(members.count)"), "environments": .list(members.map(item))])
        }
        let promotions = try api.store.approvedPromotions().sorted { $0.key < $1.key }.map { name, promotion -> TemplateValue in
            .object(["environment": .string(name), "from": .string(promotion.from), "sha": .string(String(promotion.sha.prefix(7))),
                     "approvers": .string(promotion.approvers.map { "@" + $0 }.joined(separator: ", ")),
                     "at": .string(EvidenceTimeFormat.iso(promotion.at))])
        }
        let deploys = evidence.map { entry -> TemplateValue in
            let record = ReadAPI.decode(entry.record)
            return .object([
                "environment": .string(entry.environment), "outcome": .string(entry.outcome), "kind": .string(entry.kind),
                "sha": .string(String(entry.sha.prefix(7))), "startedAt": .string(EvidenceTimeFormat.iso(entry.startedAt)),
                "duration": (record?["duration_seconds"] as? Double).map { .string(String(format: "%.1f s", $0)) } ?? .null,
                "failure": TemplateValue(record?["failure"] as? String), "evidenceLink": .string("/evidence/\(entry.id)"),
            ])
        }
        // The latest diag: its verdict, and every check that did not pass (failures first).
        var diag: TemplateValue = .null
        if let report = diagnostics() {
            let problems = report.checks.filter { $0.status != .pass }.map { check -> TemplateValue in
                .object(["name": .string(check.name), "status": .string(check.status.rawValue), "reason": .string(check.reason),
                         "fix": TemplateValue(check.fix)])
            }
            diag = .object(["status": .string(report.status.rawValue), "at": .string(EvidenceTimeFormat.iso(report.generatedAt)),
                            "summary": .string("\(report.count(.fail)) failed, \(report.count(.warn)) warned, \(report.count(.pass)) passed"),
                            "problems": .list(problems)])
        }
        return .object([
            "repository": .string(repositoryName), "generatedAt": .string(EvidenceTimeFormat.iso(now)), "diag": diag,
            "failures": .list(failing.map(item)), "kinds": .list(kinds), "promotions": .list(promotions), "deploys": .list(deploys),
        ])
    }

    func evidenceContext(_ id: String) throws -> TemplateValue? {
        guard id.count <= 64, id.allSatisfy(\.isHexDigit), let entry = try api.store.evidence(id: id) else { return nil }
        let record = ReadAPI.decode(entry.record) ?? [:]
        let trigger = record["trigger"] as? [String: Any]
        let database = record["database"] as? [String: Any]
        var logs: [TemplateValue] = []
        if let repository = api.repository, let commit = ObjectID(hex: entry.commit) {
            for log in entry.logs.prefix(10) where !log.hasSuffix(".gz") {
                let data = try? repository.withRepository { repo in try repo.blob(at: entry.path + "/" + log, commit: commit) }
                guard let data = data ?? nil else { continue }
                let lines = String(decoding: data.suffix(64 * 1024), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                logs.append(.object(["name": .string(log), "tail": .string(lines.suffix(40).joined(separator: "\n"))]))
            }
        }
        return .object([
            "environment": .string(entry.environment), "kind": .string(entry.kind), "outcome": .string(entry.outcome),
            "sha": .string(entry.sha), "startedAt": .string(EvidenceTimeFormat.iso(entry.startedAt)),
            "duration": (record["duration_seconds"] as? Double).map { .string(String(format: "%.1f s", $0)) } ?? .null,
            "trigger": .string([trigger?["type"] as? String, trigger?["actor"] as? String].compactMap { $0 }.joined(separator: " by ")),
            "url": TemplateValue(record["url"] as? String), "database": TemplateValue(database?["origin"] as? String),
            "failure": TemplateValue(record["failure"] as? String), "failedPhase": .string(record["failed_phase"] as? String ?? "the deploy"),
            "forgeLink": api.evidenceBaseURL.map { .string($0 + entry.path) } ?? .null, "logs": .list(logs),
        ])
    }

    // MARK: Rendering

    /// Renders `name` (`index`, `evidence`) from the operator's directory, else the repository's
    /// default branch, else the built-in copy; every value HTML-escaped first.
    func render(_ name: String, context: TemplateValue) throws -> HTTPResponse {
        let text = template(name)
        let html: String
        do {
            html = try Template(text, name: "templates/dashboard/\(name).html").render(Self.escaped(context))
        } catch {
            // A broken override must not take the dashboard down: fall back and say so.
            let builtIn = name == "index" ? DashboardTemplates.index : DashboardTemplates.evidence
            html = (try? Template(builtIn, name: name).render(Self.escaped(context))) ?? ""
            var response = HTTPResponse(status: 200, body: html, contentType: "text/html; charset=utf-8")
            response.headers.set("X-Slipway-Template-Error", String("\(error)".split(separator: "\n").first ?? "").prefix(300).description)
            return Self.secured(response)
        }
        return Self.secured(HTTPResponse(status: 200, body: html, contentType: "text/html; charset=utf-8"))
    }

    func template(_ name: String) -> String {
        if let templateDirectory, let data = FileManager.default.contents(atPath: "\(templateDirectory)/\(name).html") {
            return String(decoding: data, as: UTF8.self)
        }
        if let repository = api.repository {
            let text: String? = try? repository.withRepository { repo -> String? in
                guard let tip = try? repo.resolve("refs/heads/\(api.defaultBranch)") else { return nil }
                if let cached = repositoryTemplates.withLock({ $0[name] }), cached.tip == tip.hex { return cached.text }
                let data = try repo.blob(at: "templates/dashboard/\(name).html", commit: tip)
                let text = data.flatMap { $0.count <= 256 * 1024 ? String(decoding: $0, as: UTF8.self) : nil }
                repositoryTemplates.withLock { $0[name] = (tip.hex, text) }
                return text
            }
            if let text = text ?? nil { return text }
        }
        return name == "index" ? DashboardTemplates.index : DashboardTemplates.evidence
    }

    static func escaped(_ value: TemplateValue) -> TemplateValue {
        switch value {
        case .string(let text): .string(HTMLText.escape(text))
        case .list(let items): .list(items.map(escaped))
        case .object(let fields): .object(fields.mapValues(escaped))
        default: value
        }
    }

    /// No scripts, no framing, no referrer, no caching of pages with deploy details.
    static func secured(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        response.headers.set("X-Content-Type-Options", "nosniff")
        response.headers.set("Referrer-Policy", "no-referrer")
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    func page(_ body: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) -> Router.Handler {
        { [api] request in
            guard api.access.allows(request) else {
                var response = HTTPResponse(status: 303, body: Data(), contentType: "text/plain")
                response.headers.set("Location", "/login")
                return response
            }
            do {
                return try body(request)
            } catch {
                return HTTPResponse(status: 503, body: "the store cannot be read: \(error)\n")
            }
        }
    }

    func signedIn() -> HTTPResponse {
        var response = HTTPResponse(status: 303, body: Data(), contentType: "text/plain")
        response.headers.set("Location", "/")
        response.headers.set("Set-Cookie", api.access.sessionCookie())
        return Self.secured(response)
    }

    func loginPage(message: String?, status: Int) -> HTTPResponse {
        let html = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Slipway · sign in</title></head><body style="font: 15px system-ui, sans-serif; max-width: 24rem; margin: 3rem auto; padding: 0 1rem">
        <h1 style="font-size: 1.2rem">Slipway · \(HTMLText.escape(repositoryName))</h1>
        \(message.map { "<p style=\"color: #cf222e\">\(HTMLText.escape($0))</p>" } ?? "")
        <form method="post" action="/login"><label>API token<br><input name="token" type="password" autocomplete="current-password" style="width: 100%"></label>
        <p><button type="submit">Sign in</button></p></form>
        <p style="color: #57606a">Or open a link from <code>slipway dashboard link</code>.</p></body></html>
        """
        return Self.secured(HTTPResponse(status: status, body: html, contentType: "text/html; charset=utf-8"))
    }

    static func formValue(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == name else { continue }
            return parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    /// `3d`, `5h`, `12m`, `40s`.
    static func span(_ seconds: TimeInterval) -> String {
        let s = Int(seconds)
        if s >= 86_400 { return "\(s / 86_400)d" }
        if s >= 3600 { return "\(s / 3600)h" }
        if s >= 60 { return "\(s / 60)m" }
        return "\(s)s"
    }
}

/// HTML escaping for text and attribute values.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
