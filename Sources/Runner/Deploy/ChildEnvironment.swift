import Foundation
import SlipwayCore

/// The environment a spec's commands get, built explicitly — never the bot's own, so the forge
/// token and webhook secret cannot reach user code — and the secret values to redact.
struct ChildEnvironment: Sendable {
    /// Variable name → value, as given to every child of this deploy (add `PORT` per app).
    var variables: [String: String]
    /// The resolved secret values: redacted from every log.
    var secretValues: [String]

    static let path = "/usr/local/bin:/usr/bin:/bin"

    /// Resolves each secret through the operator's grants (refusing a grant that does not exist
    /// or that this environment may not use) and checks neutralization. Grant values come from
    /// `secretSource` (the bot's environment) or files. Throws with a reason naming grants and
    /// variables, never values.
    static func make(spec: EnvironmentSpec, environment name: String, sha: String, pullRequest: Int?, home: String,
                     grants: GrantTable, secretSource: [String: String],
                     mailCatchall: MailCatchall? = nil) throws(RunnerError) -> ChildEnvironment {
        var secrets: [(name: String, value: String)] = []
        for secret in spec.secrets {
            let grant: Grant
            do {
                grant = try grants.grant(secret.grant, for: name, kind: spec.kind, variable: secret.name)
            } catch {
                throw RunnerError(error.message)
            }
            switch grant.source {
            case .env(let variable):
                guard !variable.hasPrefix("SLIPWAY_"), let value = secretSource[variable], !value.isEmpty else {
                    throw RunnerError("secret \(secret.name): the grant '\(grant.name)' reads \(variable), which the bot's environment does not have")
                }
                secrets.append((secret.name, value))
            case .file(let path):
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw RunnerError("secret \(secret.name): the grant '\(grant.name)' reads a file the bot cannot read")
                }
                var value = String(decoding: data, as: UTF8.self)
                while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
                guard !value.isEmpty else {
                    throw RunnerError("secret \(secret.name): the grant '\(grant.name)' reads an empty file")
                }
                secrets.append((secret.name, value))
            }
        }

        if spec.kind.requiresNeutralization {
            guard let neutralize = spec.neutralize else {
                throw RunnerError("a \(spec.kind.rawValue) environment must be neutralized; \(spec.file) has no 'neutralize' section, so nothing runs")
            }
            let forbidden = ForbiddenPatterns(neutralize.forbid)
            for variable in spec.env {
                if let pattern = forbidden.match(variable.value) {
                    throw RunnerError("env \(variable.name) matches the forbidden pattern '\(pattern.pattern)' in neutralize.forbid; nothing runs")
                }
            }
            for secret in secrets {
                if let pattern = forbidden.match(secret.value) {
                    throw RunnerError("secret \(secret.name) matches the forbidden pattern '\(pattern.pattern)' in neutralize.forbid (a production value in a \(spec.kind.rawValue) environment?); nothing runs")
                }
            }
        }

        var variables = ["PATH": path, "HOME": home, "LANG": "C.UTF-8"]
        for variable in spec.env { variables[variable.name] = variable.value }
        for secret in secrets { variables[secret.name] = secret.value }
        for variable in spec.neutralize?.environment ?? [] { variables[variable.name] = variable.value }
        // Neutralization wins over anything the spec set: mail goes to the operator's sink (or
        // nowhere), scheduled jobs are switched off the ways the spec says.
        if spec.kind.requiresNeutralization, let neutralize = spec.neutralize {
            let sink = mailSink(neutralize, catchall: mailCatchall)
            for name in standardMailVariables + neutralize.mailVariables {
                switch name {
                case "SMTP_HOST", "MAIL_HOST", "EMAIL_HOST": variables[name] = sink.host
                case "SMTP_PORT", "MAIL_PORT", "EMAIL_PORT": variables[name] = String(sink.port)
                default: variables[name] = sink.url
                }
            }
            if neutralize.cronsOff {
                for variable in neutralize.cronVariables { variables[variable.name] = variable.value }
            }
        }
        variables["SLIPWAY_ENV"] = name
        variables["SLIPWAY_SHA"] = sha
        if let pullRequest { variables["SLIPWAY_PR"] = "\(pullRequest)" }
        return ChildEnvironment(variables: variables, secretValues: secrets.map(\.value))
    }

    /// Variables every neutralized environment gets pointed at the mail sink (host, port or URL).
    static let standardMailVariables = ["SMTP_HOST", "SMTP_PORT", "SMTP_URL", "MAIL_URL", "MAIL_HOST", "MAIL_PORT",
                                        "EMAIL_HOST", "EMAIL_PORT", "EMAIL_URL"]

    /// Where the environment's mail goes: the operator's catch-all, or a closed port (`mail: off`,
    /// or `catch-all` with no catch-all configured — mail then fails instead of leaving).
    static func mailSink(_ neutralize: EnvironmentSpec.Neutralization, catchall: MailCatchall?) -> MailCatchall {
        neutralize.mail == .catchAll ? catchall ?? .closed : .closed
    }

    /// The lines the report shows for the neutralization in force.
    static func neutralizationSummary(_ spec: EnvironmentSpec, mailCatchall: MailCatchall? = nil) -> [String] {
        guard let neutralize = spec.neutralize else { return [] }
        var lines: [String]
        switch (neutralize.mail, mailCatchall) {
        case (.catchAll, let catchall?): lines = ["mail: catch-all (\(catchall.url))"]
        case (.catchAll, nil): lines = ["mail: catch-all requested, none configured: mail goes to a closed port"]
        case (.off, _): lines = ["mail: off (a closed port)"]
        }
        var crons = "crons: \(neutralize.cronsOff ? "off" : "on")"
        if !neutralize.cronVariables.isEmpty { crons += " (\(neutralize.cronVariables.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")))" }
        lines.append(crons)
        if !neutralize.cronSQL.isEmpty {
            lines.append("crons: \(neutralize.cronSQL.count) SQL statement\(neutralize.cronSQL.count == 1 ? "" : "s") run on the environment's database")
        }
        if !neutralize.forbid.isEmpty { lines.append("forbid: \(neutralize.forbid.joined(separator: ", "))") }
        return lines
    }
}
