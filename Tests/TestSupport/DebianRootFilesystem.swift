import Docker
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `debian:bookworm-slim`-equivalent root file system where no registry is reachable, made by
/// Debian's `mmdebstrap` (`--variant=minbase`, manuals, docs and locales left out as the slim
/// image does) from the Debian mirror, with that mirror (and the security and updates suites) in
/// its apt sources. Imported with `DockerDaemon.importDebianImage`, it is the runtime base of
/// `packaging/container/Containerfile` in the tests.
///
/// Making one takes a minute or more, so the tar is kept in `cacheDirectory` and used again
/// while it is younger than `maxCacheAge`; the Containerfile runs `apt-get update` on top of it,
/// so an older base still gets current packages.
public enum DebianRootFilesystem {
    /// Debian's `mmdebstrap`.
    public static let mmdebstrapPath = "/usr/bin/mmdebstrap"
    public static let suite = "bookworm"
    public static let sources = [
        "deb http://deb.debian.org/debian bookworm main",
        "deb http://deb.debian.org/debian bookworm-updates main",
        "deb http://deb.debian.org/debian-security bookworm-security main",
    ]
    public static let cacheDirectory = "/var/tmp/slipway-test-debian"
    public static let maxCacheAge: TimeInterval = 7 * 24 * 3600

    /// The root file system's tar, from the cache or made now. Throws with what to install when
    /// `mmdebstrap` is missing, and with its output when it fails (e.g. no mirror reachable).
    public static func archive() throws -> Data {
        let cached = cacheDirectory + "/\(suite)-minbase.tar"
        if let attributes = try? FileManager.default.attributesOfItem(atPath: cached),
           let modified = attributes[.modificationDate] as? Date, Date().timeIntervalSince(modified) < maxCacheAge,
           let data = FileManager.default.contents(atPath: cached), !data.isEmpty {
            return data
        }
        guard FileManager.default.isExecutableFile(atPath: mmdebstrapPath) else {
            throw DockerDaemonError("\(mmdebstrapPath) is missing: install mmdebstrap (apt-get install mmdebstrap; scripts/install-deps.sh --test does); it makes the Debian base image the Containerfile test builds on")
        }
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        let partial = cached + ".\(getpid()).partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let arguments = [
            "--variant=minbase", "--mode=root", "--format=tar", "--quiet",
            "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/info/*",
            "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-include=/usr/share/doc/*/copyright",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
            suite, partial,
        ] + sources
        let result = try Command.run(mmdebstrapPath, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        guard result.status == 0 else {
            throw DockerDaemonError("mmdebstrap \(suite) failed (exit \(result.status)); it needs the Debian mirror (deb.debian.org) reachable:\n\(result.stderr.suffix(3000))")
        }
        guard let data = FileManager.default.contents(atPath: partial), !data.isEmpty else {
            throw DockerDaemonError("mmdebstrap wrote no root file system to \(partial)")
        }
        // Atomically: a concurrent test reads a whole tar or none.
        _ = rename(partial, cached)
        return data
    }
}

extension DockerDaemon {
    /// Imports `DebianRootFilesystem` as `repository:tag` (default
    /// `slipway-test/debian:bookworm-slim`), with `bash` as its command like Debian's image.
    /// Returns the image id.
    @discardableResult
    public func importDebianImage(repository: String = "slipway-test/debian", tag: String = "bookworm-slim") throws -> String {
        try client.importImage(rootFilesystem: try DebianRootFilesystem.archive(), repository: repository, tag: tag, changes: ["CMD [\"bash\"]"])
    }
}
