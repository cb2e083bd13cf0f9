/// Parses, runs and maps every outcome to an exit code: 0 ok, 1 failure, 2 usage.
public enum CommandRunner {
    public static func run(root: Command, arguments: [String], io: CommandIO) -> Int32 {
        let outcome: Parser.Outcome
        do {
            outcome = try Parser.parse(arguments, root: root)
        } catch {
            return reportUsage(error, root: root, io: io)
        }
        switch outcome {
        case .help(let path):
            guard let command = Parser.command(at: path, root: root) else { return 2 }
            io.out.write(HelpRenderer.help(path: path, command: command))
            return 0
        case .run(let path, let arguments):
            guard let command = Parser.command(at: path, root: root), let action = command.action else {
                return 2
            }
            do {
                return try action(arguments, io)
            } catch let error as UsageError {
                let withPath = error.commandPath.isEmpty ? UsageError(error.message, commandPath: path) : error
                return reportUsage(withPath, root: root, io: io)
            } catch let failure as CommandFailure {
                io.err.write("error: \(failure.message)\n")
                return failure.exitCode
            } catch {
                io.err.write("error: \(error)\n")
                return 1
            }
        }
    }

    private static func reportUsage(_ error: UsageError, root: Command, io: CommandIO) -> Int32 {
        let path = error.commandPath.isEmpty ? [root.name] : error.commandPath
        var text = "error: \(error.message)\n"
        if let command = Parser.command(at: path, root: root) {
            text += HelpRenderer.usage(path: path, command: command) + "\n"
            text += "Run '\(path.joined(separator: " ")) --help' for more.\n"
        }
        io.err.write(text)
        return 2
    }
}
