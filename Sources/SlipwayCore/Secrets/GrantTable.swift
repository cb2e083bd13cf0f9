/// The operator's grants by name, and the one check every use goes through (validate, plan,
/// deploy).
public struct GrantTable: Sendable, Equatable {
    public private(set) var grants: [String: Grant]

    public init(_ grants: [Grant] = []) {
        self.grants = Dictionary(grants.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public var isEmpty: Bool { grants.isEmpty }
    public var names: [String] { grants.keys.sorted() }

    public subscript(name: String) -> Grant? { grants[name] }

    /// The grant `name` if an environment of `kind` named `environment` may use it; otherwise
    /// an error naming the grant and who may use it (never a value).
    public func grant(_ name: String, for environment: String, kind: EnvironmentKind, variable: String) throws(GrantError) -> Grant {
        guard let grant = grants[name] else {
            let known = names.isEmpty ? "the operator has configured no grants" : "configured grants: \(names.joined(separator: ", "))"
            throw GrantError("secrets.\(variable) names the grant '\(name)', which does not exist (\(known)); the operator adds grants in the bot's configuration")
        }
        guard grant.allows(environment: environment, kind: kind) else {
            throw GrantError("secrets.\(variable): the grant '\(name)' is not allowed for \(kind.rawValue) environment '\(environment)' (allowed: \(grant.allowedDescription))")
        }
        return grant
    }

    /// Every grant a spec names that `environment` may not use, as messages.
    public func refusals(for spec: EnvironmentSpec, environment: String) -> [String] {
        spec.secrets.compactMap { secret -> String? in
            do throws(GrantError) {
                _ = try grant(secret.grant, for: environment, kind: spec.kind, variable: secret.name)
                return nil
            } catch {
                return error.message
            }
        }
    }
}
