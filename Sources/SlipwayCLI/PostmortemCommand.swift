import CommandLineKit
import Evidence
import Foundation
import Git
import Reconcile
import Server
import SlipwayCore
import Store

/// `slipway postmortem DEPLOY_ID`: the draft postmortem of a deploy, on demand.
enum PostmortemCommand {
    static var command: Command {
        Command(
            name: "postmortem", abstract: "Draft the postmortem of a deploy (an evidence id) from its evidence and the repository's history.",
            discussion: """
            Prints the draft: the timeline of the environment's deploys, the failing phase and
            reason, the last lines of its logs, its health attempts, and the commits and files
            changed since the last healthy version. With --commit it is also committed to the
            evidence branch as postmortems/YYYYMMDD-<environment>-<sha7>.md (the bot does that by
            itself when a staging or production deploy fails).
            """,
            options: ConfigOption.stateOptions.map(\.spec) + [
                ConfigOption.repo.spec, ConfigOption.evidenceBranch.spec, ConfigOption.botName.spec, ConfigOption.botEmail.spec,
                .flag("commit", help: "Also commit it to the evidence branch."),
            ],
            positionals: [PositionalSpec("id", help: "The deploy's evidence id (from `slipway evidence list`).")]
        ) { arguments, io in
            let id = arguments.positional(0) ?? ""
            let configuration = try EnvCommand.resolveConfiguration(arguments, options: ConfigOption.stateOptions + [.repo, .evidenceBranch, .botName, .botEmail])
            guard let repo = configuration.repo else {
                throw UsageError("a postmortem reads the repository's history: give --repo (or repo in slipway.yaml)")
            }
            let store = try DeliveriesCommand.openStore(arguments)
            guard let entry = try store.evidence(id: id) else {
                throw CommandFailure("no evidence record with id '\(id)' in the index (try `slipway evidence list`)")
            }
            let record: EvidenceRecord
            do {
                record = try EvidenceRecord.decode(Data(entry.record.utf8))
            } catch {
                throw CommandFailure("the record \(id) cannot be read: \(error)")
            }
            let postmortem: Postmortem
            let repository: ManagedRepository
            do {
                repository = try ManagedRepository.prepare(source: repo, workDir: configuration.workDir + "/postmortem-repo")
                try? repository.fetch()
                // The failing log's last lines, from the evidence branch.
                var tail: [String] = []
                if let commit = ObjectID(hex: entry.commit) {
                    for log in entry.logs where !log.hasSuffix(".gz") {
                        if let data = try repository.withRepository({ try $0.blob(at: entry.path + "/" + log, commit: commit) }) {
                            tail = String(decoding: data.suffix(32 * 1024), as: UTF8.self).split(separator: "\n").suffix(40).map(String.init)
                        }
                    }
                }
                postmortem = try Postmortem.make(record: record, failureTail: tail, store: store, repository: repository)
            } catch let error as RepositoryError {
                throw CommandFailure(error.message)
            }
            io.out.write(postmortem.markdown)
            if arguments.flag("commit") {
                let evidence = EvidenceWriter(repository: repository, store: store,
                                              configuration: .init(branch: configuration.evidenceBranch, repositoryName: repository.displaySource,
                                                                   authorName: configuration.botName, authorEmail: configuration.botEmail))
                let commit = try evidence.publishFile(postmortem.path, data: Data(postmortem.markdown.utf8),
                                                      message: "postmortem: \(record.environment) \(record.sha.prefix(7)) (draft)\n\nSlipway-Evidence: \(record.id)\n")
                io.err.write("committed \(postmortem.path) to \(configuration.evidenceBranch) in \(commit.prefix(12))\n")
            }
            return 0
        }
    }
}
