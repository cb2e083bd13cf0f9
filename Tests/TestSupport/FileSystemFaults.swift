import Foundation
import Testing

/// `chattr` (e2fsprogs): root ignores permissions, so tests make files immutable instead.
public enum Chattr {
    public static func set(_ flag: String, _ files: [String]) throws {
        let existing = files.filter { FileManager.default.fileExists(atPath: $0) }
        do {
            _ = try Command.check("chattr", [flag] + existing)
        } catch {
            Issue.record("chattr \(flag) failed (\(error)): install e2fsprogs and run the tests as root on a file system with inode flags (ext4, xfs, btrfs)")
            throw error
        }
    }
}

/// A small tmpfs mounted for one test, to fill up (needs root, or CAP_SYS_ADMIN).
public final class SmallTmpfs {
    let directory: TemporaryDirectory
    public var path: String { directory.path }

    public init(sizeKiB: Int) throws {
        directory = try TemporaryDirectory(prefix: "slipway-tmpfs")
        do {
            _ = try Command.check("mount", ["-t", "tmpfs", "-o", "size=\(sizeKiB)k", "tmpfs", directory.path])
        } catch {
            Issue.record("cannot mount a tmpfs (\(error)): this test needs root (or CAP_SYS_ADMIN) and mount(8) from util-linux")
            throw error
        }
    }

    /// Fills the file system with one file until it has no space left.
    public func fill() throws {
        let filler = path + "/filler"
        guard FileManager.default.createFile(atPath: filler, contents: nil), let handle = FileHandle(forWritingAtPath: filler) else {
            throw CocoaError(.fileWriteUnknown)
        }
        defer { try? handle.close() }
        let chunk = Data(repeating: 0, count: 64 * 1024)
        while (try? handle.write(contentsOf: chunk)) != nil {}
    }

    public func unmount() {
        _ = try? Command.check("umount", ["-l", path])
    }
}
