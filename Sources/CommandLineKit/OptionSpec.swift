/// One `--long` option (or flag) a command accepts.
public struct OptionSpec: Sendable {
    /// Long name without dashes: `listen` for `--listen`.
    public let name: String
    /// Placeholder shown in help for the value (`HOST:PORT`); nil for a flag.
    public let valueName: String?
    public let help: String
    /// Shown as `(default: ...)` in help.
    public let defaultValue: String?
    /// The environment variable that can also set this option, shown in help.
    public let environmentVariable: String?
    /// May the option be given more than once?
    public let repeatable: Bool

    public var isFlag: Bool { valueName == nil }

    /// An option that takes a value.
    public static func option(
        _ name: String, value: String, help: String, default defaultValue: String? = nil,
        env: String? = nil, repeatable: Bool = false
    ) -> OptionSpec {
        OptionSpec(name: name, valueName: value, help: help, defaultValue: defaultValue,
                   environmentVariable: env, repeatable: repeatable)
    }

    /// A boolean flag.
    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help, defaultValue: nil,
                   environmentVariable: nil, repeatable: false)
    }
}

/// A positional argument a command accepts.
public struct PositionalSpec: Sendable {
    public let name: String
    public let help: String
    public let optional: Bool

    public init(_ name: String, help: String, optional: Bool = false) {
        self.name = name
        self.help = help
        self.optional = optional
    }
}
