import Foundation
public import SlipwayCore
import Store

extension Diagnostics {
    /// Diagnostics for `slipway diag`, outside a running bot: opens the store the configuration
    /// names (an SQLite store that does not exist yet is reported, not created) and makes its own
    /// forge client; git fetches into a throwaway repository.
    public static func standalone(configuration: BotConfiguration, logger: Logger = .discarding,
                                  thresholds: Thresholds = Thresholds()) -> Diagnostics {
        var parts = Parts()
        if case .sqlite(let path, _) = configuration.store, path != ":memory:", !FileManager.default.fileExists(atPath: path) {
            parts.storeFailure = "no state store at \(path)"
        } else {
            do {
                parts.store = try configuration.store.open()
            } catch {
                parts.storeFailure = "\(error)"
            }
        }
        return Diagnostics(configuration: configuration, parts: parts, redactor: Redactor(redactTokenShapes: true), logger: logger,
                           thresholds: thresholds)
    }
}
