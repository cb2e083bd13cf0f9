import Docker
import Foundation

/// The container bench's base image, as the tests make it (`BusyboxRootFilesystem`), imported as
/// `slipway-test/busybox:latest` (no registry involved).
enum BusyboxBaseImage {
    static let repository = "slipway-test/busybox"
    static let busyboxPath = "/bin/busybox"

    /// Imports the image into the daemon at `host`; returns its id.
    static func importInto(_ host: DockerHost) throws -> String {
        guard let busybox = FileManager.default.contents(atPath: busyboxPath) else {
            throw BenchError("\(busyboxPath) is missing: install busybox-static (scripts/install-deps.sh does)")
        }
        return try DockerClient(host: host).importImage(rootFilesystem: BusyboxRootFilesystem.archive(busybox: busybox), repository: repository,
                                                        tag: "latest", changes: BusyboxRootFilesystem.imageChanges)
    }
}

/// Why the bench could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
