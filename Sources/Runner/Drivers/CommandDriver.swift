import Foundation
import Git
import SlipwayCore
import Store

/// `deploy.driver: command`: `deploy.run` deploys the environment somewhere else and
/// `deploy.teardown` removes it; the environment answers on `deploy.url`. With a router, an
/// `http://HOST:PORT` URL becomes the route's upstream and the public URL is the router's.
final class CommandDriver: DeployDriver, @unchecked Sendable {
    unowned let executor: JobExecutor

    init(executor: JobExecutor) {
        self.executor = executor
    }

    func deploy(_ context: DeployContext, record: inout EnvironmentRecord, report: inout DeploymentReport) throws {
        let cancellation = context.cancellation
        let spec = context.spec
        guard let run = spec.deploy.run else { throw JobExecutor.Failure(phase: .deploy, message: "deploy.run is missing") }
        _ = try executor.runStep(name: "deploy", command: run, environment: context.environment.variables, directory: context.checkout,
                                 log: "logs/\(context.job.id)-deploy.log", space: context.space, secrets: context.environment.secretValues,
                                 timeout: executor.configuration.commandTimeout, cancellation: cancellation, report: &report,
                                 phase: .deploy, sandbox: context.sandbox)
        var url: String?
        if let template = spec.deploy.url {
            do {
                url = try Template(template, name: "deploy.url").render(JobExecutor.context(context.name, sha: context.sha,
                                                                                               pullRequest: context.job.pullRequest), strict: true)
            } catch {
                throw JobExecutor.Failure(phase: .deploy, message: "deploy.url: \(error.description)")
            }
        }
        if let url, let check = spec.health {
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            let outcome = executor.health.wait(url: base + check.path, timeout: check.timeout.seconds, anyStatus: false) {
                cancellation.reason.map { "cancelled: \($0)" }
            }
            report.health = outcome.attempts
            guard outcome.healthy else {
                throw JobExecutor.Failure(phase: .health, message: outcome.failure ?? "unhealthy", cancelled: cancellation.isCancelled)
            }
        }
        if let url, let upstream = Self.upstream(of: url) {
            record.url = try executor.publish(context, upstreams: [upstream], loopback: url)
        } else {
            record.url = url
        }
        record.status = .healthy
        record.port = nil
        record.pid = nil
        record.processStart = nil
        record.lastError = nil
        record.updatedAt = Date()
        executor.save(record, context.run)
        report.url = record.url
    }

    /// `HOST:PORT` of a plain `http://HOST:PORT[/...]` URL (a router proxies to it); nil otherwise.
    static func upstream(of url: String) -> String? {
        guard url.hasPrefix("http://") else { return nil }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), let colon = authority.lastIndex(of: ":"),
              let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port),
              colon != authority.startIndex else { return nil }
        return String(authority)
    }

    /// Runs `deploy.teardown` in a checkout of the deployed commit, when the deployed spec is
    /// the command driver's.
    func teardown(_ context: TeardownContext, report: inout DeploymentReport, redactor: inout Redactor) throws {
        guard let spec = context.spec, spec.deploy.driver == .command, let command = spec.deploy.teardown else { return }
        let record = context.record
        let space = context.space
        let configuration = executor.configuration
        try executor.prepare(space)
        let environment: ChildEnvironment
        do {
            environment = try ChildEnvironment.make(spec: spec, environment: context.name, sha: record.sha,
                                                    pullRequest: record.pullRequest, home: space.home,
                                                    grants: configuration.grants, secretSource: configuration.secretSource,
                                                    mailCatchall: configuration.mailCatchall)
        } catch {
            throw JobExecutor.Failure(phase: .neutralization, message: error.message)
        }
        for value in environment.secretValues { redactor.add(value) }
        report.neutralization = ChildEnvironment.neutralizationSummary(spec, mailCatchall: configuration.mailCatchall)
        // The teardown runs in a checkout of the deployed commit.
        let checkout = space.path(EnvironmentWorkspace.slots[0])
        do {
            try executor.repository.withRepository { repo in
                guard let commit = ObjectID(hex: record.sha) else { throw RunnerError("not a commit id: \(record.sha)") }
                try repo.checkout(commit: commit, into: checkout)
            }
        } catch {
            throw JobExecutor.Failure(phase: .teardown, message: "cannot check out \(record.sha.prefix(12)): \(error)")
        }
        let sandbox: Sandbox?
        do {
            sandbox = try executor.isolation.sandbox(environment: context.name, kind: spec.kind, limits: spec.limits,
                                                     writable: [checkout, space.home], giving: [checkout, space.home])
        } catch {
            throw JobExecutor.Failure(phase: .teardown, message: error.message)
        }
        _ = try executor.runStep(name: "teardown", command: command, environment: environment.variables, directory: checkout,
                                 log: "logs/\(context.job.id)-teardown.log", space: space, secrets: environment.secretValues,
                                 timeout: configuration.commandTimeout, cancellation: context.run.cancellation, report: &report,
                                 phase: .teardown, sandbox: sandbox)
    }

    func replaced(_ environment: String) {}
    func adopt(_ records: [EnvironmentRecord]) {}
    func detach() {}
    func stopAll() {}

    /// The upstream of a healthy command environment whose `deploy.url` is a plain
    /// `http://HOST:PORT` (read again from its spec).
    func upstreams(_ record: EnvironmentRecord) -> [String]? {
        guard record.status == .healthy, record.pid == nil,
              let spec = try? executor.readSpec(policy: record.specSHA ?? record.sha, code: record.sha, specFile: record.specFile,
                                                phase: .deploy).spec,
              spec.deploy.driver == .command, let template = spec.deploy.url,
              let url = try? Template(template, name: "deploy.url").render(JobExecutor.context(record.name, sha: record.sha,
                                                                                               pullRequest: record.pullRequest), strict: true),
              let upstream = Self.upstream(of: url) else { return nil }
        return [upstream]
    }
}
