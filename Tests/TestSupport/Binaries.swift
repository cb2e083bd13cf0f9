public import Foundation

/// Locates executables built by this package, next to the running test bundle.
public enum Binaries {
    /// The build products folder (`.build/debug` or similar).
    public static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // On Linux the test runner is `.../debug/<Package>PackageTests.xctest`.
        while url.pathComponents.count > 1, url.pathExtension == "xctest" || !isDirectory(url) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// The path of the built `slipway` executable, or a message saying how to build it.
    public static func slipway() throws -> String {
        let candidate = productsDirectory.appendingPathComponent("slipway").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw BinaryMissing(path: candidate)
        }
        return candidate
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }
}

public struct BinaryMissing: Error, CustomStringConvertible {
    public let path: String
    public var description: String {
        "the slipway executable is not at \(path): build it first with `swift build` (scripts/test.sh does)"
    }
}
