import Foundation
import SlipwayCore

/// String maps and lists stored as JSON text columns, with sorted keys so equal values have equal
/// bytes (delivery headers, PR labels, label heads).
enum JSONColumn {
    static func encode(_ map: [String: String]) -> String {
        "{" + map.sorted { $0.key < $1.key }
            .map { JSONString.quote($0.key) + ":" + JSONString.quote($0.value) }
            .joined(separator: ",") + "}"
    }

    static func encode(_ list: [String]) -> String {
        "[" + list.map(JSONString.quote).joined(separator: ",") + "]"
    }

    static func decodeMap(_ text: String?) -> [String: String] {
        decode(text) ?? [:]
    }

    static func decodeList(_ text: String?) -> [String] {
        decode(text) ?? []
    }

    private static func decode<T: Decodable>(_ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
