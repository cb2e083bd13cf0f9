import CommandLineKit
import Foundation
import Server

extension ConfigOption {
    /// The option as the command line declares it (with its env variable in the help).
    var spec: OptionSpec {
        .option(name, value: valueName, help: help, default: defaultValue, env: repeatable ? nil : environmentVariable,
                repeatable: repeatable)
    }
}

extension ParsedArguments {
    /// The values given for `options`, keyed by option name, for a `ConfigSource`.
    func configFlags(_ options: [ConfigOption]) -> [String: String] {
        var flags: [String: String] = [:]
        for option in options where !option.repeatable {
            if let value = value(option.name) { flags[option.name] = value }
        }
        return flags
    }
}

enum ConfigLoading {
    /// Builds the configuration source for a command, mapping config errors to failures.
    static func source(_ arguments: ParsedArguments, options: [ConfigOption]) throws -> ConfigSource {
        do {
            return try ConfigSource(
                flags: arguments.configFlags(options),
                environment: ProcessInfo.processInfo.environment,
                knownKeys: ConfigOption.serveOptions.map(\.name),
                grantFlags: options.contains { $0.name == ConfigOption.grant.name } ? arguments.allValues(ConfigOption.grant.name) : []
            )
        } catch let error as ConfigError {
            throw CommandFailure(error.message)
        }
    }
}
