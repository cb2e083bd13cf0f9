import Docker
import Foundation

/// The container bench's base image, as the tests make it (`DockerDaemon.importBusyboxImage`):
/// Debian's static busybox with a symlink per applet the example's Dockerfile needs, imported as
/// `slipway-test/busybox:latest` (no registry involved).
enum BusyboxBaseImage {
    static let repository = "slipway-test/busybox"
    static let busyboxPath = "/bin/busybox"

    /// Imports the image into the daemon at `host`; returns its id.
    static func importInto(_ host: DockerHost) throws -> String {
        guard let busybox = FileManager.default.contents(atPath: busyboxPath) else {
            throw BenchError("\(busyboxPath) is missing: install busybox-static (scripts/install-deps.sh does)")
        }
        var archive = TarArchive()
        for directory in ["bin", "etc", "tmp", "www", "root"] {
            try archive.addDirectory(directory, mode: directory == "tmp" ? 0o1777 : 0o755)
        }
        try archive.addFile("bin/busybox", contents: busybox, mode: 0o755)
        for applet in ["sh", "httpd", "wget", "echo", "cat", "ls", "sleep", "mkdir", "id", "true", "false", "env"] {
            try archive.addSymlink("bin/\(applet)", target: "busybox")
        }
        try archive.addFile("etc/passwd", contents: Data("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n".utf8))
        try archive.addFile("etc/group", contents: Data("root:x:0:\nnogroup:x:65534:\n".utf8))
        return try DockerClient(host: host).importImage(rootFilesystem: archive.data, repository: repository, tag: "latest",
                                                        changes: ["CMD [\"sh\"]", "ENV PATH=/bin"])
    }
}

/// Why the bench could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
