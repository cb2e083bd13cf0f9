import Foundation

extension Discovery {
    /// The source of facts read from the store's environment records.
    static let observedEnvironments = GraphSource.observed("store environments")
    /// The source of facts read from the store's deployment rows (the evidence index).
    static let observedDeployments = GraphSource.observed("store deployments")

    /// One `deploy:<name>` node (kind `deployment`) per observed environment, linked
    /// `DEPLOYMENT_OF` to the environment declared in files (`env:preview` for every preview)
    /// when the files still declare it. Every text is made safe to quote (`ObservedState.safe`).
    static func observed(_ state: ObservedState, into builder: inout GraphBuilder) {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime]
        for environment in state.environments {
            let id = "deploy:\(ObservedState.idPart(environment.name))"
            var properties: [String: GraphValue] = [
                "environment_kind": .text(ObservedState.safe(environment.kind)),
                "status": .text(ObservedState.safe(environment.status)),
                "sha": .text(ObservedState.safe(environment.sha)),
                "spec_file": .text(ObservedState.safe(environment.specFile)),
            ]
            if let url = environment.url { properties["url"] = .text(ObservedState.safe(url)) }
            if let number = environment.pullRequest { properties["pull_request"] = .text(String(number)) }
            // The record gives the status, commit, URL and failure; the evidence index (or the
            // deploy's own report) the last deploy and its health check.
            var lines: [String: String] = [:]
            for key in properties.keys { lines[key] = observedEnvironments }
            if let health = environment.health {
                properties["health"] = .text(ObservedState.safe(health))
                lines["health"] = observedDeployments
            }
            if let date = environment.lastDeployAt {
                properties["last_deploy_at"] = .text(format.string(from: date))
                lines["last_deploy_at"] = observedDeployments
            }
            if let outcome = environment.lastDeployOutcome {
                properties["last_deploy_outcome"] = .text(ObservedState.safe(outcome))
                lines["last_deploy_outcome"] = observedDeployments
            }
            if let failure = environment.lastFailure {
                properties["last_failure"] = .text(ObservedState.safe(failure))
                lines["last_failure"] = observedEnvironments
            }
            builder.add(GraphNode(id: id, kind: "deployment", label: ObservedState.safe(environment.name), properties: properties,
                                  sources: Array(Set(lines.values)), propertySources: lines))
            let declared = environment.isPreview ? "env:preview" : "env:\(environment.name)"
            if builder.contains(declared) { builder.link(id, "DEPLOYMENT_OF", declared, source: observedEnvironments) }
        }
    }
}
