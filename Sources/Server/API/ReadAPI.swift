import Foundation
import Git
public import HTTPTypes
public import Reconcile
import SlipwayCore
public import Store

/// The read-only API (`/api/v1/...`, docs/api.md) over the store and the managed repository. JSON
/// with stable snake_case field names; every route needs the operator's token.
public final class ReadAPI: @unchecked Sendable {
    let store: any Store
    let repository: ManagedRepository?
    let defaultBranch: String
    let access: APIAccess
    /// Where a record's folder can be opened on the forge (nil: the dashboard's own page).
    let evidenceBaseURL: String?
    private let specs: SpecLookup

    /// Evidence pages hold at most this many records.
    static let maximumPageSize = 200

    public init(store: any Store, repository: ManagedRepository?, defaultBranch: String, access: APIAccess, evidenceBaseURL: String?) {
        self.store = store
        self.repository = repository
        self.defaultBranch = defaultBranch
        self.access = access
        self.evidenceBaseURL = evidenceBaseURL
        specs = SpecLookup(repository: repository)
    }

    /// Adds the API's routes.
    public func register(into router: inout Router) {
        router.get("/api/v1/environments", guarded { [self] _ in try .object(["environments": environments().map(\.json)]) })
        router.get("/api/v1/environments/:name", guarded { [self] request in
            let name = request.pathParameters["name"] ?? ""
            guard let detail = try environment(named: name) else { return .notFound("no environment named '\(name)'") }
            return .object(detail)
        })
        router.get("/api/v1/evidence", guarded { [self] request in try evidencePage(request) })
        router.get("/api/v1/deliveries", guarded { [self] request in try deliveries(request) })
        router.get("/api/v1/graph", guarded { [self] _ in try graph() })
    }

    // MARK: Data

    /// One environment as the list shows it.
    struct EnvironmentSummary {
        var record: EnvironmentRecord
        var pin: EnvironmentPin?
        var ttlExpiresAt: Date?
        var spec: EnvironmentSpec?

        var json: [String: Any] {
            var object: [String: Any] = [
                "name": record.name, "kind": record.kind.rawValue, "status": record.status.rawValue, "sha": record.sha,
                "content_id": record.contentID, "spec_file": record.specFile,
                "created_at": Self.iso(record.createdAt), "updated_at": Self.iso(record.updatedAt),
            ]
            object["pull_request"] = record.pullRequest
            object["url"] = record.url
            object["last_error"] = record.lastError
            object["pin"] = pin.map(Self.pin)
            object["ttl_expires_at"] = ttlExpiresAt.map(Self.iso)
            return object
        }

        static func pin(_ pin: EnvironmentPin) -> [String: Any] {
            var object: [String: Any] = ["action": pin.action.rawValue, "actor": pin.actor, "at": iso(pin.at), "summary": pin.summary]
            object["sha"] = pin.sha
            object["reason"] = pin.reason
            return object
        }

        static func iso(_ date: Date) -> String { EvidenceTimeFormat.iso(date) }
    }

    func environments() throws -> [EnvironmentSummary] {
        let records = try store.environments()
        let pins = try store.pins()
        let pullRequests = Dictionary(try store.pullRequests().map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        return records.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }.map { record in
            let spec = specs.spec(record)
            var expires: Date?
            if let ttl = spec?.ttl, let number = record.pullRequest, let pr = pullRequests[number], record.status != .tornDown {
                expires = pr.headSeenAt.addingTimeInterval(ttl.seconds)
            }
            return EnvironmentSummary(record: record, pin: pins[record.name], ttlExpiresAt: expires, spec: spec)
        }
    }

    func environment(named name: String) throws -> [String: Any]? {
        guard let summary = try environments().first(where: { $0.record.name == name }) else { return nil }
        var object = summary.json
        if let spec = summary.spec {
            var specObject: [String: Any] = ["file": spec.file, "kind": spec.kind.rawValue, "driver": spec.deploy.driver.rawValue,
                                             "build_steps": spec.build.count]
            specObject["ttl"] = spec.ttl.map { "\($0)" }
            specObject["health_path"] = spec.health?.path
            specObject["database"] = spec.database.map { ["from": $0.from.rawValue, "sanitize_rules": $0.sanitize.count] as [String: Any] }
            specObject["neutralization"] = spec.neutralize.map { ["mail": $0.mail.rawValue, "crons": $0.cronsOff ? "off" : "on"] }
            specObject["promotion"] = spec.promotion.map { ["from": $0.from, "label": $0.label, "approvers": $0.approvers] as [String: Any] }
            object["spec"] = specObject
        }
        let records = try store.evidence(environment: name, limit: 20)
        object["deploys"] = records.filter { $0.kind == "deploy" }.prefix(10).map(evidenceJSON)
        // Health history: each deploy's last probe, newest first.
        object["health"] = records.filter { $0.kind == "deploy" }.compactMap { entry -> [String: Any]? in
            guard let record = Self.decode(entry.record), let attempts = record["health"] as? [[String: Any]], let last = attempts.last else { return nil }
            var item: [String: Any] = ["evidence_id": entry.id, "sha": entry.sha, "attempts": attempts.count]
            item["at"] = last["at"]
            item["status"] = last["status"]
            item["latency_seconds"] = last["latency_seconds"]
            item["error"] = last["error"]
            return item
        }
        return object
    }

    func evidenceJSON(_ entry: EvidenceIndexEntry) -> [String: Any] {
        var object: [String: Any] = [
            "id": entry.id, "environment": entry.environment, "environment_kind": entry.environmentKind, "kind": entry.kind,
            "sha": entry.sha, "outcome": entry.outcome, "started_at": EvidenceTimeFormat.iso(entry.startedAt), "path": entry.path,
            "branch": entry.branch, "commit": entry.commit, "logs": entry.logs,
        ]
        object["pull_request"] = entry.pullRequest
        object["finished_at"] = entry.finishedAt.map(EvidenceTimeFormat.iso)
        object["url"] = evidenceBaseURL.map { $0 + entry.path }
        if let record = Self.decode(entry.record) {
            object["failed_phase"] = record["failed_phase"]
            object["failure"] = record["failure"]
            object["duration_seconds"] = record["duration_seconds"]
            object["trigger"] = record["trigger"]
            object["database"] = record["database"]
        }
        return object
    }

    /// `?environment=&since=ISO&limit=N&cursor=C`: newest first; `next_cursor` continues.
    func evidencePage(_ request: HTTPRequest) throws -> APIAnswer {
        let limit: Int
        if let text = request.queryValue("limit") {
            guard let value = Int(text), (1...Self.maximumPageSize).contains(value) else {
                return .badRequest("limit must be a number from 1 to \(Self.maximumPageSize)")
            }
            limit = value
        } else {
            limit = 50
        }
        var since: Date?
        if let text = request.queryValue("since") {
            guard let date = EvidenceTimeFormat.parse(text) else { return .badRequest("since must be an ISO 8601 time like 2026-12-01T00:00:00Z") }
            since = date
        }
        var before: EvidenceCursor?
        if let text = request.queryValue("cursor") {
            guard let cursor = EvidenceCursor(text) else { return .badRequest("cursor is not one this API gave out") }
            before = cursor
        }
        let environment = request.queryValue("environment").flatMap { $0.isEmpty ? nil : $0 }
        let entries = try store.evidence(environment: environment, since: since, before: before.map { ($0.startedAt, $0.id) }, limit: limit + 1)
        let page = Array(entries.prefix(limit))
        var object: [String: Any] = ["evidence": page.map(evidenceJSON)]
        if entries.count > limit, let last = page.last {
            object["next_cursor"] = EvidenceCursor(startedAt: last.startedAt, id: last.id).text
        }
        return .object(object)
    }

    func deliveries(_ request: HTTPRequest) throws -> APIAnswer {
        let limit = Int(request.queryValue("limit") ?? "50") ?? 0
        guard (1...Self.maximumPageSize).contains(limit) else { return .badRequest("limit must be a number from 1 to \(Self.maximumPageSize)") }
        let records = try store.deliveries(limit: limit)
        return .object(["deliveries": records.map { record -> [String: Any] in
            var object: [String: Any] = ["id": record.id, "event": record.event, "status": record.status.rawValue,
                                         "received_at": EvidenceTimeFormat.iso(record.receivedAt), "attempts": record.attempts,
                                         "replays": record.replays, "body_size": record.bodySize]
            object["action"] = record.action
            object["reason"] = record.reason
            object["finished_at"] = record.finishedAt.map(EvidenceTimeFormat.iso)
            return object
        }])
    }

    /// The knowledge graph the docs are generated from (`docs/llm/graph.json` on the default branch).
    func graph() throws -> APIAnswer {
        guard let repository else { return .notFound("no repository") }
        let data: Data? = try repository.withRepository { repo in
            guard let tip = try? repo.resolve("refs/heads/\(defaultBranch)") else { return nil }
            return try repo.blob(at: "docs/llm/graph.json", commit: tip)
        }
        guard let data, let graph = try? JSONSerialization.jsonObject(with: data) else {
            return .notFound("no docs/llm/graph.json on \(defaultBranch) yet")
        }
        return .object(["branch": defaultBranch, "graph": graph])
    }

    // MARK: Plumbing

    static func decode(_ json: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
    }

    func guarded(_ body: @escaping @Sendable (HTTPRequest) throws -> APIAnswer) -> Router.Handler {
        { [access] request in
            guard access.allows(request) else {
                var response = APIAnswer.error(401, "a bearer token is required (Authorization: Bearer <token>)").response
                response.headers.set("WWW-Authenticate", "Bearer realm=\"slipway\"")
                return response
            }
            do {
                return try body(request).response
            } catch {
                return APIAnswer.error(503, "the store cannot be read: \(error)").response
            }
        }
    }
}

/// An API answer before it is encoded.
enum APIAnswer {
    case object([String: Any])
    case error(Int, String)

    static func notFound(_ message: String) -> APIAnswer { .error(404, message) }
    static func badRequest(_ message: String) -> APIAnswer { .error(400, message) }

    var response: HTTPResponse {
        let (status, object): (Int, [String: Any]) = switch self {
        case .object(let object): (200, object)
        case .error(let status, let message): (status, ["error": message])
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        var response = HTTPResponse(status: status, body: data + Data("\n".utf8), contentType: "application/json")
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}

/// An opaque position in the evidence list: the last record's start time and id.
struct EvidenceCursor: Equatable {
    var startedAt: Date
    var id: String

    init(startedAt: Date, id: String) {
        self.startedAt = startedAt
        self.id = id
    }

    init?(_ text: String) {
        let parts = text.split(separator: "_", maxSplits: 1).map(String.init)
        guard parts.count == 2, let seconds = Double(parts[0]), seconds.isFinite,
              parts[1].count <= 64, parts[1].allSatisfy({ $0.isHexDigit }) else { return nil }
        startedAt = Date(timeIntervalSince1970: seconds)
        id = parts[1]
    }

    /// The start time as the shortest text that reads back to the same double (the store compares exactly).
    var text: String { "\(startedAt.timeIntervalSince1970)_\(id)" }
}

/// ISO 8601 times as the API writes and reads them.
enum EvidenceTimeFormat {
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
