import Foundation
import SlipwayCore

/// Stores header maps as a JSON object with sorted keys (stable bytes for equal maps).
enum HeadersCoding {
    static func encode(_ headers: [String: String]) -> String {
        "{" + headers.sorted { $0.key < $1.key }
            .map { JSONString.quote($0.key) + ":" + JSONString.quote($0.value) }
            .joined(separator: ",") + "}"
    }

    static func decode(_ text: String?) -> [String: String] {
        guard let text, let data = text.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }
}
