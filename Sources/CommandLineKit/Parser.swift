import SlipwayCore

/// Parses `arguments` against a command tree.
///
/// Grammar: `root [group ...] leaf [--opt value | --opt=value | --flag | positional ...] [-- positional ...]`.
/// `--help`/`-h` anywhere asks for the help of the deepest command named so far.
public enum Parser {
    public enum Outcome: Equatable {
        /// Run `path`'s leaf with the parsed arguments.
        case run(path: [String], arguments: ParsedArguments)
        /// Print help for `path`.
        case help(path: [String])
    }

    public static func parse(_ arguments: [String], root: Command) throws(UsageError) -> Outcome {
        var path = [root.name]
        var command = root
        var index = 0
        // Walk down the groups.
        while !command.subcommands.isEmpty {
            guard index < arguments.count else {
                throw UsageError("'\(path.joined(separator: " "))' needs a subcommand", commandPath: path)
            }
            let word = arguments[index]
            if word == "--help" || word == "-h" || word == "help" {
                // `slipway help serve` is the same as `slipway serve --help`.
                if word == "help", index + 1 < arguments.count {
                    var helpPath = path
                    var node = command
                    for name in arguments[(index + 1)...] {
                        guard let next = node.subcommand(named: name) else {
                            throw UsageError("unknown command '\(name)'", commandPath: helpPath)
                        }
                        helpPath.append(name)
                        node = next
                    }
                    return .help(path: helpPath)
                }
                return .help(path: path)
            }
            if word.hasPrefix("-") {
                throw UsageError("unknown option '\(word)'", commandPath: path)
            }
            guard let next = command.subcommand(named: word) else {
                throw UsageError("unknown command '\(word)'", commandPath: path)
            }
            path.append(word)
            command = next
            index += 1
        }

        var parsed = ParsedArguments()
        var onlyPositionals = false
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if onlyPositionals || !word.hasPrefix("-") || word == "-" {
                parsed.add(positional: word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            if word == "--help" || word == "-h" { return .help(path: path) }
            guard word.hasPrefix("--") else {
                throw UsageError("unknown option '\(word)'", commandPath: path)
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = command.options.first(where: { $0.name == name }) else {
                var message = "unknown option '--\(name)'"
                if let near = Suggestion.closest(to: name, in: command.options.map(\.name)) {
                    message += " (did you mean '--\(near)'?)"
                }
                throw UsageError(message, commandPath: path)
            }
            if spec.isFlag {
                if inlineValue != nil {
                    throw UsageError("'--\(name)' is a flag and takes no value", commandPath: path)
                }
                parsed.add(flag: name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else {
                    throw UsageError("'--\(name)' needs a value (\(spec.valueName ?? "VALUE"))", commandPath: path)
                }
                value = arguments[index]
                index += 1
            }
            if !spec.repeatable, parsed.value(name) != nil {
                throw UsageError("'--\(name)' was given more than once", commandPath: path)
            }
            parsed.add(value: value, for: name)
        }

        let required = command.positionals.filter { !$0.optional }.count
        if parsed.positionals.count < required {
            let missing = command.positionals[parsed.positionals.count]
            throw UsageError("missing argument <\(missing.name)>", commandPath: path)
        }
        if !command.acceptsExtraPositionals, parsed.positionals.count > command.positionals.count {
            let extra = parsed.positionals[command.positionals.count]
            throw UsageError("unexpected argument '\(extra)'", commandPath: path)
        }
        return .run(path: path, arguments: parsed)
    }

    /// The command at `path` (whose first element is the root's name).
    public static func command(at path: [String], root: Command) -> Command? {
        var node = root
        for name in path.dropFirst() {
            guard let next = node.subcommand(named: name) else { return nil }
            node = next
        }
        return node
    }
}
