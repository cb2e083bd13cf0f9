import CommandLineKit
import Docs
import Environments
import Foundation
import Git
import Reconcile
import Server
import SlipwayCore

/// `slipway docs generate`: the LLM docs (`docs/llm/`) of a repository at a commit.
enum DocsCommand {
    static var command: Command {
        Command(name: "docs", abstract: "Generate the LLM docs (docs/llm/) from the repository.", subcommands: [generate])
    }

    static var generate: Command {
        Command(
            name: "generate", abstract: "Generate docs/llm/ for a commit; write them to a folder or commit them.",
            discussion: """
            Reads the repository (a temporary mirror of --repo, default: the current directory)
            at --commit (default: the tip of --branch) through libgit2, builds the knowledge
            graph and renders the pages. Prints each file and whether it differs from the commit.
            --write DIR writes the files into DIR. --push validates them and commits the changed
            files to --branch as the bot (only when a byte changed), pushing without force.
            The values of the operator's grants (--grant, grants: in slipway.yaml) are checked too.
            With --store or --work-dir (the bot's state), the pages also say what the store
            observed running (environments, their commits, URLs, health, last deploys and
            failures); without, they say that no observed state is available.
            Exit status 1 when validation fails or the graph has errors (dangling edges).
            """,
            options: [
                ConfigOption.config.spec, ConfigOption.repo.spec, ConfigOption.grant.spec, ConfigOption.store.spec, ConfigOption.workDir.spec,
                .option("commit", value: "SHA", help: "The commit to document (default: the tip of --branch)."),
                .option("branch", value: "BRANCH", help: "The staging branch the docs belong to.", default: "main"),
                .option("write", value: "DIR", help: "Write the files into DIR (DIR/overview.md, DIR/graph.json, ...)."),
                .flag("push", help: "Commit the changed files to --branch and push (never with --commit)."),
            ]
        ) { arguments, io in
            if arguments.flag("push") && arguments.value("commit") != nil {
                throw UsageError("--push documents the tip of --branch; do not combine it with --commit")
            }
            let source = try ConfigLoading.source(arguments, options: [.config, .repo, .grant, .store, .workDir])
            var observed: ObservedState?
            if source.value(.store) != nil || source.value(.workDir) != nil {
                let store = try DeliveriesCommand.openStore(arguments)
                do {
                    observed = try ObservedState(store: store)
                } catch {
                    throw CommandFailure("cannot read the observed state from the store: \(error)")
                }
            }
            let repo = source.value(.repo) ?? "."
            let branch = arguments.value("branch") ?? "main"
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-docs-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let repository: ManagedRepository
            do {
                repository = try ManagedRepository.prepare(source: repo, workDir: scratch)
            } catch let error as RepositoryError {
                throw CommandFailure(error.message)
            }

            // The secrets the specs would inject, read as a deploy would: values must not leak.
            var redactor = Redactor()
            for value in configuredSecrets(grants: source.grants) { redactor.add(value) }
            var output: DocsGenerator.Output?
            var current: [String: Data] = [:]
            try repository.withRepository { repo in
                let revision = arguments.value("commit") ?? "refs/heads/\(branch)"
                let commit: ObjectID
                do {
                    commit = try repo.resolve(revision)
                } catch {
                    throw CommandFailure("cannot find \(arguments.value("commit") ?? "the branch \(branch)") in \(repository.displaySource)")
                }
                let probe = DocsGenerator(configuration: DocsGenerator.Configuration(redactor: redactor, branch: branch, observed: observed))
                let analysed = try probe.analyze(repo: repo, commit: commit)
                for path in DocsGenerator.expectedFiles {
                    if let data = try repo.blob(at: path, commit: commit) { current[path] = data }
                }
                output = analysed
            }
            let generator = DocsGenerator(configuration: DocsGenerator.Configuration(redactor: redactor, branch: branch, observed: observed))
            guard let output else { return 1 }
            var failed = false
            for path in output.files.keys.sorted() {
                let state = current[path] == output.files[path] ? "unchanged" : (current[path] == nil ? "new" : "changed")
                io.out.write("\(state)  \(path)  \(output.files[path]!.count) bytes\n")
            }
            for error in output.errors {
                io.err.write("error: \(error)\n")
                failed = true
            }
            let problems = generator.validate(output.files)
            for problem in problems { io.err.write("error: \(problem)\n") }
            if !problems.isEmpty {
                io.err.write("validation failed: nothing written or committed\n")
                return 1
            }
            if let directory = arguments.value("write") {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                for (path, data) in output.files {
                    let name = String(path.dropFirst(DocsGenerator.directory.count + 1))
                    try data.write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
                }
                io.out.write("wrote \(output.files.count) files to \(directory)\n")
            }
            if arguments.flag("push") {
                do {
                    switch try generator.commitIfChanged(repository: repository) {
                    case .unchanged(let tip):
                        io.out.write("docs unchanged at \(String(tip.prefix(7))): nothing committed\n")
                    case .committed(let commit, let files, _):
                        io.out.write("committed \(files.count) file\(files.count == 1 ? "" : "s") to \(branch) as \(commit) and pushed\n")
                    }
                } catch let error as DocsValidationError {
                    throw CommandFailure(error.description)
                }
            }
            return failed ? 1 : 0
        }
    }

    /// Values of the operator's grants (`grants:` in slipway.yaml, `--grant`), read as a deploy
    /// would read them: none of them may appear in the docs.
    static func configuredSecrets(grants: [Grant]) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        return grants.compactMap { grant -> String? in
            switch grant.source {
            case .env(let name):
                return environment[name].flatMap { $0.isEmpty ? nil : $0 }
            case .file(let path):
                guard let data = FileManager.default.contents(atPath: path) else { return nil }
                var value = String(decoding: data, as: UTF8.self)
                while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
                return value.isEmpty ? nil : value
            }
        }
    }
}
