import Foundation
import Git
import Reconcile
import SlipwayCore

extension Diagnostics {
    func gitChecks(pushPermission: (granted: Bool, who: String)?) -> [DiagnosticCheck] {
        guard let source = configuration.repo else {
            return [check("git.fetch", "git") {
                .warn("no --repo: webhooks are journaled but nothing is fetched, planned or deployed",
                      fix: "give --repo with the managed repository's URL (or a local path)")
            }]
        }
        let resolved = Self.resolvedSource(source)
        let display = Redactor.maskingURLCredentials(resolved)
        var checks = [check("git.fetch", "git") { fetchFinding(resolved, display: display) }]
        checks.append(check("git.push", "git") {
            if !Self.isRemote(resolved) {
                guard FileManager.default.isWritableFile(atPath: resolved) else {
                    return .fail("the repository \(display) is not writable by this user: evidence and docs cannot be pushed",
                                 fix: "give the bot's user write access to \(display)")
                }
                return .pass("\(display) is a local repository this user may write to")
            }
            guard let pushPermission else {
                return .warn("whether pushes to \(display) are allowed is unknown without a readable forge permission",
                             fix: "configure the forge (see forge.credentials and forge.permission) so diag can read the permission")
            }
            guard pushPermission.granted else {
                return .fail("\(pushPermission.who) may not push to \(display): evidence and docs commits will be refused",
                             fix: "give \(pushPermission.who) write access (contents: write) to the repository")
            }
            return .pass("\(pushPermission.who) may push to \(display) (write access on the forge)")
        })
        return checks
    }

    /// In `serve`: the mirror's own fetch. From the CLI: the default branch fetched into a
    /// throwaway repository (a running bot's mirror is never touched by another process).
    func fetchFinding(_ source: String, display: String) -> Finding {
        let fix = "check the URL (--repo), the network, and that the credentials may read the repository (contents: read)"
        let credentials = ForgeGitCredentials.provider(source: source, credentials: configuration.forge.credentials,
                                                       client: try? forge?.get())
        if let repository = parts.repository {
            do {
                try repository.fetch()
                return .pass("fetched \(display) into the mirror")
            } catch {
                return .fail("\(error)", fix: fix)
            }
        }
        let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent("slipway-diag-\(UUID().uuidString.prefix(8)).git")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            let repository = try Repository.create(at: scratch, bare: true)
            try repository.addRemote(name: "origin", url: source)
            let branch = configuration.defaultBranch
            try repository.fetch(remote: "origin", refspecs: ["+refs/heads/\(branch):refs/heads/\(branch)"],
                                 credentials: credentials.current())
            return .pass("fetched \(branch) from \(display)")
        } catch let error as GitError {
            return .fail("cannot fetch from \(display): \(error.message)", fix: fix)
        } catch {
            return .fail("cannot fetch from \(display): \(error)", fix: fix)
        }
    }

    static func isRemote(_ source: String) -> Bool {
        let lowered = source.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("file://") || lowered.hasPrefix("ssh://")
            || lowered.hasPrefix("git@")
    }

    /// As the mirror resolves `--repo`: a relative path becomes absolute.
    static func resolvedSource(_ source: String) -> String {
        if isRemote(source) || source.hasPrefix("/") { return source }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: source, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
    }
}
