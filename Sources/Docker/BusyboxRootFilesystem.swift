public import Foundation

/// A minimal root file system from a static busybox (Debian's `busybox-static`): `bin/busybox`
/// with one symlink per applet, `etc/passwd` and `etc/group` with root and nobody, and `tmp`,
/// `www`, `root`. Imported with `DockerClient.importImage`, it is a base image where no registry
/// is reachable (the tests and the container bench build their images on it).
public enum BusyboxRootFilesystem {
    public static let defaultApplets = ["sh", "httpd", "wget", "echo", "cat", "ls", "sleep", "mkdir", "id", "true", "false", "env", "ps"]
    /// What an image imported from it runs and finds on its PATH.
    public static let imageChanges = ["CMD [\"sh\"]", "ENV PATH=/bin"]

    /// The tar of the file system around `busybox` (the binary's bytes).
    public static func archive(busybox: Data, applets: [String] = defaultApplets) throws(TarArchiveError) -> Data {
        var archive = TarArchive()
        for directory in ["bin", "etc", "tmp", "www", "root"] {
            try archive.addDirectory(directory, mode: directory == "tmp" ? 0o1777 : 0o755)
        }
        try archive.addFile("bin/busybox", contents: busybox, mode: 0o755)
        for applet in applets {
            try archive.addSymlink("bin/\(applet)", target: "busybox")
        }
        try archive.addFile("etc/passwd", contents: Data("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n".utf8))
        try archive.addFile("etc/group", contents: Data("root:x:0:\nnogroup:x:65534:\n".utf8))
        return archive.data
    }
}
