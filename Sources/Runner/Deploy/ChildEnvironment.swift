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
                     grants: GrantTable, secretSource: [String: String]) throws(RunnerError) -> ChildEnvironment {
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
        variables["SLIPWAY_ENV"] = name
        variables["SLIPWAY_SHA"] = sha
        if let pullRequest { variables["SLIPWAY_PR"] = "\(pullRequest)" }
        return ChildEnvironment(variables: variables, secretValues: secrets.map(\.value))
    }

    /// The lines the report shows for the neutralization in force.
    static func neutralizationSummary(_ spec: EnvironmentSpec) -> [String] {
        guard let neutralize = spec.neutralize else { return [] }
        var lines = ["mail: \(neutralize.mail.rawValue)", "crons: \(neutralize.cronsOff ? "off" : "on")"]
        if !neutralize.forbid.isEmpty { lines.append("forbid: \(neutralize.forbid.joined(separator: ", "))") }
        return lines
    }
}
