/// Renders `--help` text and one-line usage for a command.
public enum HelpRenderer {
    public static func usage(path: [String], command: Command) -> String {
        var line = "usage: " + path.joined(separator: " ")
        if !command.subcommands.isEmpty {
            line += " <command>"
        } else {
            if !command.options.isEmpty { line += " [options]" }
            for positional in command.positionals {
                line += positional.optional ? " [\(positional.name)]" : " <\(positional.name)>"
            }
        }
        return line
    }

    public static func help(path: [String], command: Command) -> String {
        var text = "\(path.joined(separator: " ")): \(command.abstract)\n\n"
        text += usage(path: path, command: command) + "\n"
        if let discussion = command.discussion {
            text += "\n" + discussion + "\n"
        }
        if !command.subcommands.isEmpty {
            text += "\ncommands:\n"
            let width = command.subcommands.map(\.name.count).max() ?? 0
            for sub in command.subcommands {
                text += "  " + pad(sub.name, width) + "  " + sub.abstract + "\n"
            }
            text += "\nRun '\(path.joined(separator: " ")) <command> --help' for a command's options.\n"
        }
        if !command.positionals.isEmpty {
            text += "\narguments:\n"
            let width = command.positionals.map(\.name.count).max() ?? 0
            for positional in command.positionals {
                text += "  " + pad(positional.name, width) + "  " + positional.help + "\n"
            }
        }
        guard command.subcommands.isEmpty else { return text }
        let options = command.options + [.flag("help", help: "Show this help and exit.")]
        text += "\noptions:\n"
        let labels = options.map { spec in
            spec.isFlag ? "--\(spec.name)" : "--\(spec.name) \(spec.valueName ?? "VALUE")"
        }
        let width = labels.map(\.count).max() ?? 0
        for (spec, label) in zip(options, labels) {
            var line = "  " + pad(label, width) + "  " + spec.help
            var notes: [String] = []
            if let value = spec.defaultValue { notes.append("default: \(value)") }
            if let env = spec.environmentVariable { notes.append("env: \(env)") }
            if spec.repeatable { notes.append("repeatable") }
            if !notes.isEmpty { line += " (" + notes.joined(separator: "; ") + ")" }
            text += line + "\n"
        }
        return text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
