import Foundation

/// A bot instance's stable identity, kept in `<work-dir>/instance-id`. Replicas sharing a
/// PostgreSQL store each have their own work dir, hence their own id.
enum InstanceID {
    static func load(workDir: String) throws -> String {
        let path = (workDir as NSString).appendingPathComponent("instance-id")
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty, !text.contains("/") { return text }
        }
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "-")
        let id = "\(host)-\(UUID().uuidString.prefix(8).lowercased())"
        try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return id
    }
}
