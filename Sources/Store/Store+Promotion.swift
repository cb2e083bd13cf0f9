import Foundation
public import SlipwayCore

/// Promotions shipped, pins, and the approval signals of promotion pull requests, kept as JSON
/// values in the store's key-value table (one key each; shared by replicas).
extension Store {
    static var promotionPrefix: String { "promotion:" }
    static var pinPrefix: String { "pin:" }
    /// The key prefix of each promotion PR's recorded label approvals (pruned with closed PRs).
    public static var approvalSignalPrefix: String { "promotion-signals:" }

    /// The latest approved promotion per environment.
    public func approvedPromotions() throws -> [String: ApprovedPromotion] {
        try decoded(prefix: Self.promotionPrefix, as: ApprovedPromotion.self)
    }

    public func recordPromotion(_ promotion: ApprovedPromotion) throws {
        try setValue(try encode(promotion), forKey: Self.promotionPrefix + promotion.environment)
    }

    /// Environments held by a person's action.
    public func pins() throws -> [String: EnvironmentPin] {
        try decoded(prefix: Self.pinPrefix, as: EnvironmentPin.self)
    }

    public func pin(_ pin: EnvironmentPin) throws {
        try setValue(try encode(pin), forKey: Self.pinPrefix + pin.environment)
    }

    /// Lifts the pin of `environment`; returns the pin that was there.
    @discardableResult
    public func unpin(_ environment: String) throws -> EnvironmentPin? {
        let existing = try pins()[environment]
        try setValue(nil, forKey: Self.pinPrefix + environment)
        return existing
    }

    /// The label approvals recorded from webhooks for promotion PR `number` (reviews are read
    /// from the forge when the PR is evaluated).
    public func approvalSignals(pullRequest number: Int) throws -> [ApprovalSignal] {
        guard let text = try value(forKey: Self.approvalSignalPrefix + "\(number)") else { return [] }
        do {
            return try Self.jsonDecoder().decode([ApprovalSignal].self, from: Data(text.utf8))
        } catch {
            throw StoreError(operation: "read approval signals", message: "the stored signals of PR #\(number) are not valid: \(error)")
        }
    }

    /// Appends `signal` (bounded: the newest 200 are kept).
    public func recordApprovalSignal(_ signal: ApprovalSignal, pullRequest number: Int) throws {
        var signals = try approvalSignals(pullRequest: number)
        signals.append(signal)
        if signals.count > 200 { signals.removeFirst(signals.count - 200) }
        try setValue(try encode(signals), forKey: Self.approvalSignalPrefix + "\(number)")
    }

    private func decoded<T: Decodable>(prefix: String, as type: T.Type) throws -> [String: T] {
        var result: [String: T] = [:]
        for (key, text) in try values(withPrefix: prefix) {
            do {
                result[String(key.dropFirst(prefix.count))] = try Self.jsonDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw StoreError(operation: "read \(prefix.dropLast())", message: "the stored value of \(key) is not valid: \(error)")
            }
        }
        return result
    }

    private static func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }

    private func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
