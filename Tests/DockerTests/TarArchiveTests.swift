import Docker
import Foundation
import Testing
import TestSupport

/// The ustar writer, judged by GNU tar.
struct TarArchiveTests {
    /// `tar -tvf` and an extraction of `archive`.
    static func list(_ archive: TarArchive) throws -> (listing: String, directory: TemporaryDirectory) {
        let directory = try TemporaryDirectory(prefix: "slipway-tar")
        let file = directory.child("archive.tar")
        try archive.data.write(to: URL(fileURLWithPath: file))
        let listing = try Command.check("tar", ["-tvf", file]).stdout
        try FileManager.default.createDirectory(atPath: directory.child("out"), withIntermediateDirectories: true)
        try Command.check("tar", ["-xf", file, "-C", directory.child("out")])
        return (listing, directory)
    }

    @Test func filesDirectoriesAndLinksComeOutAsWritten() throws {
        var archive = TarArchive()
        try archive.addDirectory("bin")
        try archive.addFile("bin/tool", contents: Data("#!/bin/sh\necho hi\n".utf8), mode: 0o755)
        try archive.addSymlink("bin/alias", target: "tool")
        try archive.addFile("empty", contents: Data())
        try archive.addFile("block", contents: Data(repeating: 7, count: 512))
        let (listing, directory) = try Self.list(archive)
        #expect(listing.contains("drwxr-xr-x root/root         0 1970-01-01 00:00 bin/"), "\(listing)")
        #expect(listing.contains("-rwxr-xr-x root/root        18 1970-01-01 00:00 bin/tool"))
        #expect(listing.contains("bin/alias -> tool"))
        #expect(try String(contentsOfFile: directory.child("out/bin/tool"), encoding: .utf8) == "#!/bin/sh\necho hi\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.child("out/bin/alias")) == "tool")
        #expect(FileManager.default.contents(atPath: directory.child("out/block")) == Data(repeating: 7, count: 512))
        #expect(archive.data.count % 512 == 0)
    }

    @Test func aLongPathIsSplitOverPrefixAndName() throws {
        let path = (0..<12).map { "directory-\($0)" }.joined(separator: "/") + "/" + String(repeating: "f", count: 90)
        #expect(path.utf8.count > 100)
        var archive = TarArchive()
        try archive.addFile(path, contents: Data("deep\n".utf8))
        let (listing, directory) = try Self.list(archive)
        #expect(listing.contains(path))
        #expect(try String(contentsOfFile: directory.child("out/" + path), encoding: .utf8) == "deep\n")
    }

    @Test(arguments: ["", "/etc/passwd", "../escape", "a/../../b", "a//b", "./a"])
    func aPathOutsideTheArchiveIsRefused(path: String) {
        var archive = TarArchive()
        #expect(throws: TarArchiveError.self) { try archive.addFile(path, contents: Data()) }
    }

    @Test func anEntryPastTheLimitIsRefusedAndADuplicateToo() throws {
        var archive = TarArchive(maxBytes: 4096)
        try archive.addFile("small", contents: Data(count: 1000))
        let error = #expect(throws: TarArchiveError.self) { try archive.addFile("big", contents: Data(count: 3000)) }
        #expect(error?.description.contains("larger than 4096 bytes") == true)
        #expect(throws: TarArchiveError.self) { try archive.addFile("small", contents: Data()) }
    }

    @Test func aTreeOnDiskIsArchivedSortedWithItsModesAndLinks() throws {
        let source = try TemporaryDirectory(prefix: "slipway-tar-src")
        try source.write("Dockerfile", "FROM scratch\n")
        try source.write("app/run.sh", "exec true\n")
        try source.write(".git/HEAD", "ref: refs/heads/main\n")
        #expect(chmod(source.child("app/run.sh"), 0o750) == 0)
        try FileManager.default.createSymbolicLink(atPath: source.child("app/link"), withDestinationPath: "run.sh")
        var archive = TarArchive()
        try archive.addTree(at: source.path, excluding: [".git"])
        let (listing, _) = try Self.list(archive)
        let names = listing.split(separator: "\n").map { String($0.split(separator: " ").dropFirst(5).joined(separator: " ")) }
        #expect(names == ["Dockerfile", "app/", "app/link -> run.sh", "app/run.sh"], "\(listing)")
        #expect(listing.contains("-rwxr-x--- root/root"))

        var again = TarArchive()
        try again.addTree(at: source.path, excluding: [".git"])
        #expect(again.data == archive.data)
    }
}
