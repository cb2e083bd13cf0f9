import Foundation
public import SlipwayCore
import YAML

/// Looks settings up in flags, the environment and a YAML file, in that order.
public struct ConfigSource: Sendable {
    public let flags: [String: String]
    public let environment: [String: String]
    public private(set) var file: [String: String] = [:]
    public private(set) var filePath: String?
    /// The operator's secret grants: the file's `grants:` section, then every `--grant` flag
    /// (a flag replaces a file grant of the same name).
    public private(set) var grants: [Grant] = []

    /// Reads the config file named by `--config` / `SLIPWAY_CONFIG`, or `slipway.yaml` in the
    /// current directory if it exists. A named file that is missing is an error.
    public init(flags: [String: String], environment: [String: String], knownKeys: [String], grantFlags: [String] = []) throws {
        self.flags = flags
        self.environment = environment
        var flagGrants: [Grant] = []
        for text in grantFlags {
            do {
                flagGrants.append(try Grant.parse(flag: text))
            } catch {
                throw ConfigError(error.message)
            }
        }
        func merge(_ fileGrants: [Grant]) -> [Grant] {
            let overridden = Set(flagGrants.map(\.name))
            return fileGrants.filter { !overridden.contains($0.name) } + flagGrants
        }
        grants = merge([])
        let named = flags["config"] ?? environment[ConfigOption.config.environmentVariable]
        let path = named ?? (FileManager.default.fileExists(atPath: "slipway.yaml") ? "slipway.yaml" : nil)
        guard let path else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read config file \(path)")
        }
        filePath = path
        let (values, fileGrants) = try Self.parse(String(decoding: data, as: UTF8.self), path: path, knownKeys: knownKeys)
        file = values
        grants = merge(fileGrants)
    }

    /// The value of `option`, from the first place that has it.
    public func value(_ option: ConfigOption) -> String? {
        flags[option.name] ?? environment[option.environmentVariable] ?? file[option.name]
    }

    static func parse(_ text: String, path: String, knownKeys: [String]) throws -> (values: [String: String], grants: [Grant]) {
        let root: YAMLNode?
        do {
            root = try YAML.parse(text)
        } catch let error as YAMLError {
            throw ConfigError("\(path):\(error.mark.line):\(error.mark.column): \(error.message)")
        }
        guard let root else { return ([:], []) }
        guard let pairs = root.mapping else {
            throw ConfigError("\(path):\(root.mark.line):\(root.mark.column): expected a mapping of settings, found a \(root.kindName)")
        }
        var values: [String: String] = [:]
        var grants: [Grant] = []
        for pair in pairs {
            let where_ = "\(path):\(pair.key.mark.line):\(pair.key.mark.column)"
            guard let written = pair.key.string else { throw ConfigError("\(where_): keys must be plain names") }
            // `mail_catchall` and `mail-catchall` are the same setting.
            let key = written.replacingOccurrences(of: "_", with: "-")
            if let section = DataSettings.sections[key] {
                for (name, text) in try DataSettings.flatten(pair.value, section: key, prefix: section, path: path) {
                    guard values[name] == nil else { throw ConfigError("\(where_): '\(name)' is set twice") }
                    values[name] = text
                }
                continue
            }
            if key == "grants" {
                grants = try GrantsConfig.parse(pair.value, path: path)
                continue
            }
            if key == "webhook-secret" {
                throw ConfigError("\(where_): the webhook secret is never written inline; use webhook-secret-file or SLIPWAY_WEBHOOK_SECRET")
            }
            guard knownKeys.contains(key) else {
                var message = "\(where_): unknown setting '\(key)'"
                if let near = Suggestion.closest(to: key, in: knownKeys) { message += " (did you mean '\(near)'?)" }
                throw ConfigError(message)
            }
            guard let value = pair.value.string else {
                throw ConfigError("\(where_): '\(key)' must be a single value, found a \(pair.value.kindName)")
            }
            guard values[key] == nil else { throw ConfigError("\(where_): '\(key)' is set twice") }
            values[key] = value
        }
        return (values, grants)
    }
}

/// A configuration mistake, said plainly (never with a secret in it).
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
