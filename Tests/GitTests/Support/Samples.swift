import Foundation
@testable import Git

/// Fixed signatures and small helpers shared by the Git tests.
enum Samples {
    static let author = Signature(
        name: "Ada Lovelace", email: "ada@example.test",
        date: Date(timeIntervalSince1970: 1_700_000_000), timeZoneOffsetMinutes: 120)
    static let committer = Signature(
        name: "Slipway Bot", email: "bot@example.test",
        date: Date(timeIntervalSince1970: 1_700_000_600), timeZoneOffsetMinutes: -300)

    static func text(_ string: String) -> FileChange { .write(Data(string.utf8)) }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
    var lines: [String] { split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// The path with symbolic links resolved (e.g. /tmp vs /private/tmp), for comparing paths.
func realPath(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().path
}

/// Names of all files below `directory`, relative to it, sorted.
func filesBelow(_ directory: String) throws -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: directory)
    var files: [String] = []
    while let relative = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory)
        if !isDirectory.boolValue { files.append(relative) }
    }
    return files.sorted()
}

func isExecutableFile(_ path: String) throws -> Bool {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
    return permissions & 0o111 != 0
}
