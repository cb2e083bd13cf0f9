public import Foundation

/// Locates fixture files committed under `Tests/<Target>/Fixtures/`.
public enum Fixtures {
    /// The `Fixtures` folder next to the calling test file.
    public static func directory(filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures", isDirectory: true)
    }

    /// The bytes of `name` inside the calling test target's `Fixtures` folder.
    public static func data(_ name: String, filePath: String = #filePath) throws -> Data {
        try Data(contentsOf: directory(filePath: filePath).appendingPathComponent(name))
    }
}
