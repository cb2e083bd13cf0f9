import SlipwayCore
import YAML

/// Reads the operator's `grants:` section of `slipway.yaml`:
///
/// ```yaml
/// grants:
///   stripe-test: { env: STRIPE_TEST_KEY, environments: [preview, staging] }
///   stripe-live: { file: /etc/slipway/stripe-live, environments: [production] }
/// ```
///
/// Errors name `file:line:column` and the grant, never a value.
enum GrantsConfig {
    static let keys = ["env", "file", "environments"]

    static func parse(_ node: YAMLNode, path: String) throws -> [Grant] {
        func at(_ node: YAMLNode) -> String { "\(path):\(node.mark.line):\(node.mark.column)" }
        guard let pairs = node.mapping else {
            throw ConfigError("\(at(node)): grants must be a mapping of NAME: { env: VARIABLE | file: PATH, environments: [...] }, found a \(node.kindName)")
        }
        var grants: [Grant] = []
        var seen = Set<String>()
        for pair in pairs {
            guard let name = pair.key.string else { throw ConfigError("\(at(pair.key)): grant names must be plain names") }
            guard seen.insert(name).inserted else { throw ConfigError("\(at(pair.key)): grant '\(name)' is defined twice") }
            guard let fields = pair.value.mapping else {
                throw ConfigError("\(at(pair.value)): grant \(name) must be a mapping { env: VARIABLE | file: PATH, environments: [...] }; a value is never written inline")
            }
            for field in fields {
                guard let key = field.key.string, keys.contains(key) else {
                    var message = "\(at(field.key)): grant \(name): unknown key '\(field.key.string ?? "?")' (expected env, file, environments)"
                    if let key = field.key.string, let near = Suggestion.closest(to: key, in: keys) { message += " (did you mean '\(near)'?)" }
                    throw ConfigError(message)
                }
            }
            let env = pair.value["env"]
            let file = pair.value["file"]
            guard (env == nil) != (file == nil) else {
                throw ConfigError("\(at(pair.value)): grant \(name) needs exactly one of env or file")
            }
            let source: Grant.Source
            if let env {
                guard let variable = env.string else { throw ConfigError("\(at(env)): grant \(name): env must be a variable name") }
                source = .env(variable)
            } else {
                guard let path = file?.string else { throw ConfigError("\(at(file!)): grant \(name): file must be a path") }
                source = .file(path)
            }
            guard let environmentsNode = pair.value["environments"] else {
                throw ConfigError("\(at(pair.value)): grant \(name) needs 'environments' (kinds preview, staging, production, or name globs)")
            }
            let environments: [String]
            if let items = environmentsNode.sequence {
                environments = try items.map { item in
                    guard let text = item.string else { throw ConfigError("\(at(item)): grant \(name): environments are kinds or name globs") }
                    return text
                }
            } else if let single = environmentsNode.string {
                environments = [single]
            } else {
                throw ConfigError("\(at(environmentsNode)): grant \(name): environments must be a list")
            }
            let grant = Grant(name: name, source: source, environments: environments)
            do {
                try grant.check()
            } catch {
                throw ConfigError("\(at(pair.key)): \(error.message)")
            }
            grants.append(grant)
        }
        return grants
    }
}
