import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Free and total bytes of the file system holding a path (statvfs: blocks available to an
/// unprivileged user, times the fragment size).
public struct DiskSpace: Sendable, Equatable {
    public var availableBytes: UInt64
    public var totalBytes: UInt64

    public init(availableBytes: UInt64, totalBytes: UInt64) {
        self.availableBytes = availableBytes
        self.totalBytes = totalBytes
    }

    /// `availableBytes / totalBytes` (1 for an empty total).
    public var fractionAvailable: Double {
        totalBytes > 0 ? Double(availableBytes) / Double(totalBytes) : 1
    }

    /// The space of the file system `path` is on; a path not created yet is measured at its
    /// nearest existing parent.
    public static func read(_ path: String) throws -> DiskSpace {
        var target = (path as NSString).standardizingPath
        if target.isEmpty { target = "." }
        while !FileManager.default.fileExists(atPath: target), target != "/", !target.isEmpty {
            target = (target as NSString).deletingLastPathComponent
            if target.isEmpty { target = "." }
        }
        var info = statvfs()
        guard statvfs(target, &info) == 0 else {
            throw ConfigError("statvfs(\(target)) failed: \(String(cString: strerror(errno)))")
        }
        let fragment = UInt64(info.f_frsize > 0 ? info.f_frsize : info.f_bsize)
        return DiskSpace(availableBytes: UInt64(info.f_bavail) * fragment, totalBytes: UInt64(info.f_blocks) * fragment)
    }
}
