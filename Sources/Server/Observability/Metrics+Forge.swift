import Forge
import Foundation

extension Metrics {
    /// The forge's figures: requests by outcome (every attempt, retries included), the rate limit
    /// GitHub reported last, and forge updates that were refused and dropped.
    static func renderForge(_ statistics: ForgeRequestStatistics.Snapshot, refusedUpdates: Int?) -> String {
        var text = "# HELP slipway_forge_requests_total Requests to the forge by outcome (every attempt).\n"
        text += "# TYPE slipway_forge_requests_total counter\n"
        for outcome in ForgeRequestStatistics.Outcome.allCases {
            text += "slipway_forge_requests_total{outcome=\"\(outcome.rawValue)\"} \(statistics.requests[outcome] ?? 0)\n"
        }
        if let remaining = statistics.rateLimitRemaining {
            text += "# HELP slipway_forge_rate_limit_remaining Requests left in the forge's rate limit window, as it said last.\n"
            text += "# TYPE slipway_forge_rate_limit_remaining gauge\n"
            text += "slipway_forge_rate_limit_remaining \(remaining)\n"
        }
        if let limit = statistics.rateLimitLimit {
            text += "# HELP slipway_forge_rate_limit Requests allowed per rate limit window, as the forge said last.\n"
            text += "# TYPE slipway_forge_rate_limit gauge\n"
            text += "slipway_forge_rate_limit \(limit)\n"
        }
        if let refusedUpdates {
            text += "# HELP slipway_forge_updates_refused_total Comment and status updates the forge refused (4xx), dropped.\n"
            text += "# TYPE slipway_forge_updates_refused_total counter\n"
            text += "slipway_forge_updates_refused_total \(refusedUpdates)\n"
        }
        return text
    }
}
