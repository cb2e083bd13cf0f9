/// Where a command writes. Tests pass a capturing sink; `slipway` passes the file descriptors.
public protocol OutputSink: Sendable {
    func write(_ text: String)
}

/// Standard output and error of a command run.
public struct CommandIO: Sendable {
    public let out: any OutputSink
    public let err: any OutputSink

    public init(out: any OutputSink, err: any OutputSink) {
        self.out = out
        self.err = err
    }
}

/// An error a command reports to the user: printed as `error: <message>`, exit code 1 unless set.
public struct CommandFailure: Error, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}

/// A node of the command tree: either a group of subcommands or a leaf that runs.
///
/// Leaves declare their options and positionals; the parser checks them before `run` is called,
/// so `run` sees only well-formed input and may add its own validation with `UsageError`.
public struct Command: Sendable {
    public typealias Action = @Sendable (ParsedArguments, CommandIO) throws -> Int32

    public let name: String
    public let abstract: String
    public let discussion: String?
    public let options: [OptionSpec]
    public let positionals: [PositionalSpec]
    /// Whether extra positionals beyond those declared are accepted (passed through).
    public let acceptsExtraPositionals: Bool
    public let subcommands: [Command]
    public let action: Action?

    /// A leaf command that runs `action`.
    public init(
        name: String, abstract: String, discussion: String? = nil,
        options: [OptionSpec] = [], positionals: [PositionalSpec] = [],
        acceptsExtraPositionals: Bool = false, action: @escaping Action
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.positionals = positionals
        self.acceptsExtraPositionals = acceptsExtraPositionals
        self.subcommands = []
        self.action = action
    }

    /// A group whose first argument names one of `subcommands`.
    public init(name: String, abstract: String, discussion: String? = nil, subcommands: [Command]) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = []
        self.positionals = []
        self.acceptsExtraPositionals = false
        self.subcommands = subcommands
        self.action = nil
    }

    public func subcommand(named name: String) -> Command? {
        subcommands.first { $0.name == name }
    }
}
