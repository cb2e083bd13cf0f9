import Foundation
import Reconcile
import SlipwayCore
import Store

/// What `/readyz` answers: ready only when the store takes a write (not merely answers a ping)
/// and the repository's last fetch worked. The body names each dependency and, for one that
/// fails, why. The forge is reported but never makes the bot unready: while it cannot list pull
/// requests, previews are kept and everything else goes on.
struct Readiness: Sendable {
    let store: any Store
    /// The managed repository's last fetch failure (nil without `--repo`).
    let repositoryFailure: (@Sendable () -> String?)?
    /// The forge's last listing failure (nil without a forge).
    let forgeFailure: (@Sendable () -> String?)?
    /// The latest `slipway diag` report as JSON (nil until the first run; the whole field is
    /// left out without diagnostics). A detail only: it never makes the bot unready.
    var diagnostics: (@Sendable () -> String?)? = nil

    /// The HTTP status (200 or 503) and a JSON body.
    func check() -> (status: Int, body: String, failures: [String: String]) {
        var checks: [(String, String?)] = []
        var failures: [String: String] = [:]
        do {
            try store.checkWritable()
            checks.append(("store", nil))
        } catch {
            checks.append(("store", "\(error)"))
            failures["store"] = "\(error)"
        }
        if let repositoryFailure {
            let failure = repositoryFailure()
            checks.append(("repository", failure))
            if let failure { failures["repository"] = failure }
        }
        var fields = [
            "\"status\":\(JSONString.quote(failures.isEmpty ? "ready" : "unavailable"))",
            "\"store\":\(JSONString.quote(store.backendName))",
        ]
        let rendered = checks.map { name, failure in
            "\(JSONString.quote(name)):\(JSONString.quote(failure.map { "failing: \($0)" } ?? "ok"))"
        }
        fields.append("\"checks\":{" + rendered.joined(separator: ",") + "}")
        if let forgeFailure {
            // Informational: a forge outage keeps previews as they are but stops nothing else.
            fields.append("\"forge\":\(JSONString.quote(forgeFailure().map { "unavailable: \($0)" } ?? "ok"))")
        }
        if let diagnostics {
            fields.append("\"diag\":" + (diagnostics() ?? "{\"status\":\"pending\"}"))
        }
        return (failures.isEmpty ? 200 : 503, "{" + fields.joined(separator: ",") + "}\n", failures)
    }
}
