import Foundation
import SlipwayCore
import Store

/// The environment's own database: made ready before the build, neutralized and scanned before
/// the app starts, dropped at teardown.
extension JobExecutor {
    /// Creates the database when missing (or recreates it when a refresh was asked for) and
    /// returns what the environment's processes get.
    func prepareDatabase(_ environment: String, kind: EnvironmentKind, database: DatabaseSpec, staging: String?,
                         report: inout DeploymentReport) throws -> PreparedDatabase {
        guard let provider = configuration.databases else {
            throw Failure(phase: .database, message: "the spec asks for a database, and this bot has no database server configured (databases.admin in slipway.yaml, or --database-admin); nothing runs")
        }
        let refreshKey = DatabaseRefresh.keyPrefix + environment
        let refresh: Bool
        do {
            refresh = try store.value(forKey: refreshKey) != nil
        } catch {
            throw Failure(phase: .database, message: "cannot read the store: \(error)")
        }
        let prepared: PreparedDatabase
        do {
            prepared = try provider.prepare(DatabaseRequest(environment: environment, kind: kind, spec: database,
                                                            stagingEnvironment: staging, refresh: refresh))
        } catch {
            throw Failure(phase: .database, message: "the environment's database: \(error)")
        }
        if refresh { try? store.setValue(nil, forKey: refreshKey) }
        report.database = DatabaseUse(database: prepared.database, origin: prepared.origin, snapshot: prepared.snapshot,
                                      created: prepared.created)
        return prepared
    }

    /// Runs the spec's `crons_sql` on the environment's database, then the credential scan
    /// (live key shapes, production grant values, `forbid` patterns). A finding stops the deploy.
    func neutralizeDatabase(_ environment: String, spec: EnvironmentSpec, report: inout DeploymentReport) throws {
        guard let provider = configuration.databases, let neutralize = spec.neutralize ?? (spec.kind == .production ? nil : .init()) else { return }
        if neutralize.cronsOff, !neutralize.cronSQL.isEmpty {
            do {
                try provider.neutralize(environment: environment, statements: neutralize.cronSQL)
            } catch {
                throw Failure(phase: .database, message: "neutralize.crons_sql failed on the environment's database: \(error); nothing starts")
            }
        }
        let findings: [String]
        do {
            findings = try provider.scan(environment: environment, forbid: neutralize.forbid)
        } catch {
            throw Failure(phase: .database, message: "the credential scan of the environment's database could not run: \(error); nothing starts")
        }
        report.database?.scan = findings.isEmpty ? "passed" : findings.joined(separator: "; ")
        guard findings.isEmpty else {
            let shown = findings.prefix(5).joined(separator: "; ") + (findings.count > 5 ? "; and \(findings.count - 5) more" : "")
            throw Failure(phase: .database, message: "the environment's database holds what must never reach a \(spec.kind.rawValue) environment (\(shown)); nothing starts")
        }
    }

    /// Drops the environment's database and role, when the bot manages databases.
    func dropDatabase(_ environment: String, report: inout DeploymentReport) throws {
        guard let provider = configuration.databases else { return }
        do {
            if try provider.drop(environment: environment) {
                report.neutralization.append("database dropped")
            }
        } catch {
            throw Failure(phase: .teardown, message: "cannot drop the environment's database: \(error)")
        }
        try? store.setValue(nil, forKey: DatabaseRefresh.keyPrefix + environment)
    }

    /// An adopted app's database variables (its database already exists). False when the spec
    /// wants a database that cannot be had: the app is then not restarted from here.
    func adoptDatabase(_ environment: String, spec: EnvironmentSpec, staging: String?, into child: inout ChildEnvironment) -> Bool {
        guard let database = spec.database else { return true }
        guard let provider = configuration.databases else { return false }
        do {
            let prepared = try provider.prepare(DatabaseRequest(environment: environment, kind: spec.kind, spec: database,
                                                                stagingEnvironment: staging))
            child.add(prepared)
            return true
        } catch {
            logger.error("cannot reach an adopted environment's database", ["env": environment, "error": "\(error)"])
            return false
        }
    }
}

extension ChildEnvironment {
    /// Adds the database's variables (they win over the spec's) and its secrets.
    mutating func add(_ database: PreparedDatabase) {
        for (name, value) in database.variables { variables[name] = value }
        secretValues += database.secretValues
    }
}
