import Crypto
import FakeGitHub
import Forge
import Foundation
import SlipwayCore
import Synchronization
import TestSupport
import Testing

/// A clock whose sleeps return at once and are recorded; time advances by each sleep.
final class RecordingClock: ForgeClock {
    private let state: Mutex<(now: Date, sleeps: [Double])>

    init(start: Date = Date(timeIntervalSince1970: Double(Int(Date().timeIntervalSince1970)))) {
        state = Mutex((start, []))
    }

    func now() -> Date { state.withLock { $0.now } }
    func sleep(seconds: Double) {
        state.withLock { $0.sleeps.append(seconds); $0.now = $0.now.addingTimeInterval(seconds) }
    }
    func advance(_ seconds: Double) { state.withLock { $0.now = $0.now.addingTimeInterval(seconds) } }
    var sleeps: [Double] { state.withLock { $0.sleeps } }
}

/// Log records kept in memory.
final class MemoryLog: LogSink {
    private let records = Mutex<[LogRecord]>([])
    func emit(_ record: LogRecord) { records.withLock { $0.append(record) } }
    var all: [LogRecord] { records.withLock { $0 } }
    /// Every message and metadata value, one per line (to grep for secrets).
    var text: String {
        all.map { record in ([record.message] + record.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
            .joined(separator: "\n")
    }
}

let fakeToken = "ghp_fake_token_0123456789abcdef"

/// A started fake and a client for it.
struct Harness {
    let fake: FakeGitHub
    let clock: RecordingClock
    let log: MemoryLog
    let client: GitHubClient

    init(fake: FakeGitHub? = nil, token: String = fakeToken, retry: RetryPolicy = RetryPolicy(maxAttempts: 5, baseDelay: 0.5, maxDelay: 8),
         pageSize: Int = 100, credentials: ForgeCredentials? = nil, tokenRefreshMargin: Double = 300) throws {
        let fake = try fake ?? { let made = FakeGitHub(); try made.start(); return made }()
        self.fake = fake
        clock = RecordingClock()
        log = MemoryLog()
        client = try Harness.client(fake, credentials: credentials ?? .token(token), clock: clock, log: log, retry: retry,
                                    pageSize: pageSize, tokenRefreshMargin: tokenRefreshMargin)
    }

    static func client(_ fake: FakeGitHub, credentials: ForgeCredentials, clock: RecordingClock, log: MemoryLog,
                       retry: RetryPolicy = RetryPolicy(), pageSize: Int = 100, tokenRefreshMargin: Double = 300) throws -> GitHubClient {
        let configuration = GitHubClient.Configuration(
            apiBaseURL: fake.baseURL, repository: ForgeRepository(owner: fake.owner, name: fake.repo)!, version: "9.9.9",
            retry: retry, requestTimeout: 10, connectTimeout: 5, pageSize: pageSize, tokenRefreshMargin: tokenRefreshMargin)
        return try GitHubClient(configuration: configuration, credentials: credentials,
                                logger: Logger(sink: log, minimumLevel: .debug), clock: clock, random: { 0.5 })
    }
}

/// A fresh RSA key made by the openssl CLI.
struct GeneratedKey {
    let privatePEM: String
    let publicPEM: String

    init() throws {
        let openssl = try ExternalToolPath.find("openssl", apt: "openssl")
        let directory = try TemporaryDirectory(prefix: "slipway-forge-key")
        let privatePath = directory.child("key.pem"), publicPath = directory.child("public.pem")
        try Command.check(openssl, ["genrsa", "-out", privatePath, "2048"])
        try Command.check(openssl, ["rsa", "-in", privatePath, "-pubout", "-out", publicPath])
        privatePEM = try String(contentsOfFile: privatePath, encoding: .utf8)
        publicPEM = try String(contentsOfFile: publicPath, encoding: .utf8)
    }
}

enum ExternalToolPath {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        let apt: String
        var description: String { "`\(name)` is not on PATH: install it with `apt-get install -y \(apt)`" }
    }

    static func find(_ name: String, apt: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing(name: name, apt: apt)
    }
}

/// GitHub's OpenAPI description (the committed subset), to judge recorded requests by.
struct OpenAPISubset {
    struct Operation {
        let id: String
        let method: String
        let template: String
        let parameters: [String: String] // name -> in
        let requiredBody: [String]
        let bodyEnums: [String: [String]]
        /// The property names the request body declares (every branch of a `oneOf`).
        let bodyFields: Set<String>
        let hasBody: Bool
        /// The property names of the 200 (else 201) response's schema (of its items for a list;
        /// every branch of a `oneOf`).
        let responseFields: Set<String>
    }

    let operations: [Operation]

    /// The property names of schema `name` in `components/schemas`.
    let schemaFields: [String: Set<String>]

    /// The operation with `operationId` `id`.
    func operation(_ id: String) -> Operation? {
        operations.first { $0.id == id }
    }

    init() throws {
        let data = try Fixtures.data("openapi-subset.json")
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let components = root["components"] as? [String: Any] ?? [:]
        let sharedParameters = components["parameters"] as? [String: Any] ?? [:]
        let paths = try #require(root["paths"] as? [String: [String: Any]])
        let schemas = components["schemas"] as? [String: Any] ?? [:]
        func properties(_ schema: [String: Any]?, depth: Int = 0) -> Set<String> {
            guard var schema, depth < 8 else { return [] }
            if let reference = schema["$ref"] as? String {
                schema = schemas[String(reference.split(separator: "/").last!)] as? [String: Any] ?? [:]
            }
            if let items = schema["items"] as? [String: Any] { return properties(items, depth: depth + 1) }
            var names = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
            for key in ["oneOf", "anyOf", "allOf"] {
                for case let branch as [String: Any] in schema[key] as? [Any] ?? [] { names.formUnion(properties(branch, depth: depth + 1)) }
            }
            return names
        }
        var operations: [Operation] = []
        for (template, item) in paths {
            for (method, value) in item {
                guard let operation = value as? [String: Any], method != "parameters" else { continue }
                var parameters: [String: String] = [:]
                for case let parameter as [String: Any] in operation["parameters"] as? [Any] ?? [] {
                    var resolved = parameter
                    if let reference = parameter["$ref"] as? String {
                        resolved = sharedParameters[String(reference.split(separator: "/").last!)] as? [String: Any] ?? [:]
                    }
                    if let name = resolved["name"] as? String { parameters[name] = resolved["in"] as? String }
                }
                let body = operation["requestBody"] as? [String: Any]
                let schema = ((body?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                var enums: [String: [String]] = [:]
                for (name, property) in schema?["properties"] as? [String: [String: Any]] ?? [:] {
                    if let values = property["enum"] as? [String] { enums[name] = values }
                }
                let responses = operation["responses"] as? [String: Any]
                let ok = (responses?["200"] ?? responses?["201"]) as? [String: Any]
                let okSchema = ((ok?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                operations.append(Operation(id: operation["operationId"] as? String ?? "?", method: method.uppercased(), template: template,
                                            parameters: parameters, requiredBody: schema?["required"] as? [String] ?? [],
                                            bodyEnums: enums, bodyFields: properties(schema), hasBody: body != nil,
                                            responseFields: properties(okSchema)))
            }
        }
        self.operations = operations
        schemaFields = schemas.compactMapValues { ($0 as? [String: Any]).map { properties($0) } }
    }

    /// The operation `request` matches, or the problems found.
    func check(_ request: FakeGitHub.RecordedRequest) -> Result<String, Failure> {
        let segments = request.path.split(separator: "/").map(String.init)
        let candidates = operations.filter { operation in
            let pattern = operation.template.split(separator: "/").map(String.init)
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        guard !candidates.isEmpty else { return .failure(Failure("\(request.method) \(request.path): no such path in the OpenAPI subset")) }
        // Literal segments beat parameters (`issues/comments/{id}` vs `issues/{number}/comments`).
        let ranked = candidates.sorted { $0.template.filter { $0 == "{" }.count < $1.template.filter { $0 == "{" }.count }
        guard let operation = ranked.first(where: { $0.method == request.method }) else {
            return .failure(Failure("\(request.method) \(request.path): method not in the OpenAPI subset (has \(candidates.map(\.method)))"))
        }
        var problems: [String] = []
        for item in HTTPQuery.names(request.query) where operation.parameters[item] != "query" {
            problems.append("query parameter \(item) is not declared")
        }
        if operation.hasBody {
            guard let body = request.jsonBody else { return .failure(Failure("\(operation.id): the body is not a JSON object")) }
            for field in operation.requiredBody where body[field] == nil { problems.append("required body field \(field) missing") }
            for field in body.keys.sorted() where !operation.bodyFields.contains(field) { problems.append("body field \(field) is not declared") }
            for (field, values) in operation.bodyEnums {
                if let value = body[field] as? String, !values.contains(value) { problems.append("\(field)=\(value) not in \(values)") }
            }
        } else if !request.body.isEmpty {
            problems.append("a body was sent to an operation without one")
        }
        return problems.isEmpty ? .success(operation.id) : .failure(Failure("\(operation.id): " + problems.joined(separator: "; ")))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

enum HTTPQuery {
    static func names(_ query: String?) -> [String] {
        (query ?? "").split(separator: "&").map { String($0.split(separator: "=").first ?? "") }
    }
}

/// A deploy report for the comment and status tests.
func sampleReport(environment: String = "pr-7", sha: String = "0123456789abcdef0123456789abcdef01234567", outcome: DeploymentReport.Outcome?) -> DeploymentReport {
    var report = DeploymentReport(environment: environment, environmentKind: .preview, jobKind: "deploy", pullRequest: 7, sha: sha,
                                  contentID: "c1", specFile: "environments/preview.yaml", trigger: "pull_request",
                                  startedAt: Date(timeIntervalSince1970: 1_767_225_600))
    report.steps = [
        .init(name: "build", command: "make", exitCode: 0, startedAt: report.startedAt, durationSeconds: 64),
        .init(name: "deploy", command: "compose up", exitCode: outcome == .failed ? 1 : 0, startedAt: report.startedAt, durationSeconds: 12.4),
    ]
    report.url = "https://pr-7.preview.example.com"
    report.neutralization = ["mail: catch-all", "crons: off"]
    report.outcome = outcome
    if outcome == .succeeded {
        report.health = [.init(at: report.startedAt, status: 200, latencySeconds: 0.035, error: nil)]
    }
    if outcome == .failed {
        report.failedPhase = .deploy
        report.failure = "compose up exited with status 1"
        report.failureLogTail = ["pulling image", "error: port 5432 already in use", "```nested fence```"]
    }
    return report
}
