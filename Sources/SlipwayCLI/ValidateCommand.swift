import CommandLineKit
import Environments
import Foundation
import Server
import SlipwayCore

/// `slipway validate [PATH]`: checks environment specs, for people and for CI.
enum ValidateCommand {
    static var command: Command {
        Command(
            name: "validate",
            abstract: "Check environment specs; every error names file:line:column.",
            discussion: """
            PATH is a repository (its environments/*.yaml are checked), an environments folder,
            or one spec file; it defaults to the current directory. Exit status: 0 when every
            spec is valid, 1 when any has an error. Meant to run in the repository's CI.

            With the bot's configuration (--config slipway.yaml with a grants: section, or
            --grant flags), every secret must name a grant that exists and that its environment
            may use; the error names the grant and the environments allowed, never a value.
            """,
            options: [.flag("quiet", help: "Print only errors."), ConfigOption.config.spec, ConfigOption.grant.spec],
            positionals: [PositionalSpec("PATH", help: "Repository, environments folder or spec file (default: .).", optional: true)]
        ) { arguments, io in
            let path = arguments.positional(0) ?? "."
            let files = try specFiles(at: path)
            // Grants are checked only when the operator's configuration is named explicitly.
            var grants: GrantTable?
            if arguments.value(ConfigOption.config.name) != nil || !arguments.allValues(ConfigOption.grant.name).isEmpty {
                grants = GrantTable(try ConfigLoading.source(arguments, options: [.config, .grant]).grants)
            }
            let (set, diagnostics) = SpecSet.load(files: files, grants: grants)
            for diagnostic in diagnostics {
                io.out.write(diagnostic.description + "\n")
            }
            if !diagnostics.isEmpty {
                let fileCount = Set(diagnostics.map(\.file)).count
                io.err.write("\(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s") in \(fileCount) file\(fileCount == 1 ? "" : "s")\n")
                return 1
            }
            if !arguments.flag("quiet") {
                let names = set.specs.map { "\($0.name) (\($0.kind.rawValue), \($0.file))" }.joined(separator: ", ")
                io.out.write("ok: \(set.specs.count) spec\(set.specs.count == 1 ? "" : "s") valid: \(names)\n")
            }
            return 0
        }
    }

    /// The spec files PATH names, as (display path, contents).
    static func specFiles(at path: String) throws -> [(path: String, contents: String)] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure("no such file or directory: \(path)")
        }
        if !isDirectory.boolValue {
            return [(path, try read(path))]
        }
        let nested = (path as NSString).appendingPathComponent("environments")
        var nestedIsDirectory: ObjCBool = false
        let folder = manager.fileExists(atPath: nested, isDirectory: &nestedIsDirectory) && nestedIsDirectory.boolValue ? nested : path
        let names = try manager.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        guard !names.isEmpty else {
            throw CommandFailure("no environment specs (*.yaml) in \(folder)")
        }
        return try names.map { name in
            let full = (folder as NSString).appendingPathComponent(name)
            let shown = full.hasPrefix("./") ? String(full.dropFirst(2)) : full
            return (shown, try read(full))
        }
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("\(path) is not UTF-8 text")
        }
        return text
    }
}
