import CommandLineKit
import SlipwayCore
import Testing

@Suite("Argument parser")
struct ParserTests {
    static let root = Command(name: "tool", abstract: "A tool.", subcommands: [
        Command(
            name: "serve", abstract: "Serve.",
            options: [
                .option("listen", value: "HOST:PORT", help: "Where.", default: "127.0.0.1:8080"),
                .option("label", value: "NAME", help: "A label.", repeatable: true),
                .flag("json", help: "JSON output."),
            ],
            positionals: [PositionalSpec("path", help: "A path.", optional: true)]
        ) { _, _ in 0 },
        Command(name: "group", abstract: "A group.", subcommands: [
            Command(name: "leaf", abstract: "A leaf.", positionals: [PositionalSpec("id", help: "An id.")]) { _, _ in 0 },
        ]),
    ])

    @Test("options, inline values, flags and positionals are parsed")
    func parsesEverything() throws {
        let outcome = try Parser.parse(["serve", "--listen", "0.0.0.0:1", "--json", "--label=a", "--label", "b", "dir"], root: Self.root)
        guard case .run(let path, let args) = outcome else { Issue.record("expected run, got \(outcome)"); return }
        #expect(path == ["tool", "serve"])
        #expect(args.value("listen") == "0.0.0.0:1")
        #expect(args.flag("json"))
        #expect(args.allValues("label") == ["a", "b"])
        #expect(args.positionals == ["dir"])
    }

    @Test("an unknown option is a usage error with a did-you-mean")
    func unknownOptionSuggests() {
        #expect(throws: UsageError("unknown option '--lisen' (did you mean '--listen'?)", commandPath: ["tool", "serve"])) {
            try Parser.parse(["serve", "--lisen", "x"], root: Self.root)
        }
    }

    @Test("a missing value, a repeated single option, an extra and a missing argument are usage errors")
    func usageErrors() {
        #expect(throws: UsageError.self) { try Parser.parse(["serve", "--listen"], root: Self.root) }
        #expect(throws: UsageError.self) { try Parser.parse(["serve", "--listen", "a", "--listen", "b"], root: Self.root) }
        #expect(throws: UsageError.self) { try Parser.parse(["serve", "a", "b"], root: Self.root) }
        #expect(throws: UsageError.self) { try Parser.parse(["group", "leaf"], root: Self.root) }
        #expect(throws: UsageError.self) { try Parser.parse(["group"], root: Self.root) }
        #expect(throws: UsageError.self) { try Parser.parse(["serve", "--json=yes"], root: Self.root) }
    }

    @Test("help is found for groups, leaves and the help command")
    func help() throws {
        #expect(try Parser.parse(["--help"], root: Self.root) == .help(path: ["tool"]))
        #expect(try Parser.parse(["group", "leaf", "-h"], root: Self.root) == .help(path: ["tool", "group", "leaf"]))
        #expect(try Parser.parse(["help", "group", "leaf"], root: Self.root) == .help(path: ["tool", "group", "leaf"]))
    }

    @Test("a double dash ends options")
    func doubleDash() throws {
        guard case .run(_, let args) = try Parser.parse(["group", "leaf", "--", "--id"], root: Self.root) else {
            Issue.record("expected run"); return
        }
        #expect(args.positionals == ["--id"])
    }

    @Test("help text lists options with defaults, env and repeatable notes")
    func helpText() throws {
        let serve = try #require(Self.root.subcommand(named: "serve"))
        let text = HelpRenderer.help(path: ["tool", "serve"], command: serve)
        #expect(text.contains("usage: tool serve [options] [path]"))
        #expect(text.contains("--listen HOST:PORT  Where. (default: 127.0.0.1:8080)"))
        #expect(text.contains("--label NAME"))
        #expect(text.contains("(repeatable)"))
        #expect(text.contains("--help"))
    }

    @Test("edit distance and suggestions")
    func suggestions() {
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.closest(to: "listne", in: ["listen", "json"]) == "listen")
        #expect(Suggestion.closest(to: "zzzzzz", in: ["listen", "json"]) == nil)
    }
}
