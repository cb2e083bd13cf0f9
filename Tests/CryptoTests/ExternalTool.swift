import Foundation

/// A command line tool a test uses as an independent judge; missing tools fail the test loudly.
struct ExternalTool {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        let apt: String
        var description: String { "`\(name)` is not on PATH: install it with `apt-get install -y \(apt)`" }
    }

    /// The absolute path of `name` found on PATH, or throws `Missing` naming the apt package.
    static func path(_ name: String, apt: String) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing(name: name, apt: apt)
    }
}
