import Foundation
import HTTPTypes

/// Deployments and deployment statuses, as GitHub answers them.
extension FakeGitHub {
    static let deploymentStates = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"]

    /// `repos/create-deployment`: `ref` is a known branch or a 40-hex SHA (422 otherwise);
    /// `environment` defaults to `production` and `production_environment` to whether it is;
    /// `required_contexts` (all contexts when left out) must be `success` on the commit (409
    /// otherwise, as GitHub answers); `auto_merge` and the payload are recorded.
    func createDeployment(_ request: HTTPRequest, login: String) -> HTTPResponse {
        guard let object = Self.jsonObject(request) else { return Self.validationFailed("body") }
        guard let ref = object["ref"] as? String, !ref.isEmpty else { return Self.validationFailed("ref") }
        let environment = object["environment"] as? String ?? "production"
        let required = object["required_contexts"] as? [String]
        var payload: [String: String] = [:]
        var payloadObject = object["payload"] as? [String: Any]
        if let text = object["payload"] as? String, !text.isEmpty {
            payloadObject = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        for (key, value) in payloadObject ?? [:] {
            if let text = value as? String {
                payload[key] = text
            } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
                payload[key] = String(decoding: data, as: UTF8.self)
            }
        }
        let result: Result<Deployment, HTTPResponseBox> = state.withLock { state in
            let isSHA = ref.count == 40 && ref.allSatisfy(\.isHexDigit)
            guard let sha = state.branches[ref] ?? (isSHA ? ref : nil) else {
                return .failure(HTTPResponseBox(.jsonObject(status: 422, ["message": "No ref found for: \(ref)"])))
            }
            let latest = Self.latestPerContext(state.statuses.filter { $0.sha == sha })
            let checked = required.map { names in latest.filter { names.contains($0.context) } } ?? latest
            let missing = (required ?? []).filter { name in !latest.contains { $0.context == name } }
            if !missing.isEmpty || checked.contains(where: { $0.state != "success" }) {
                return .failure(HTTPResponseBox(.jsonObject(status: 409, ["message": "Conflict: Commit status checks failed for \(ref)."])))
            }
            state.nextID += 1
            state.clock = state.clock.addingTimeInterval(1)
            let deployment = Deployment(
                id: state.nextID, sha: sha, ref: ref, environment: environment, task: object["task"] as? String ?? "deploy",
                description: object["description"] as? String ?? "", transientEnvironment: object["transient_environment"] as? Bool ?? false,
                productionEnvironment: object["production_environment"] as? Bool ?? (environment == "production"),
                autoMerge: object["auto_merge"] as? Bool ?? true, requiredContexts: required, payload: payload, creator: login,
                createdAt: state.clock)
            state.deployments.append(deployment)
            return .success(deployment)
        }
        switch result {
        case .success(let deployment): return .jsonObject(status: 201, deploymentJSON(deployment))
        case .failure(let box): return box.response
        }
    }

    /// `repos/list-deployments`: filters `sha`, `ref`, `task`, `environment`; newest first.
    func listDeployments(_ request: HTTPRequest) -> HTTPResponse {
        let sha = request.queryValue("sha"), ref = request.queryValue("ref"), task = request.queryValue("task")
        let environment = request.queryValue("environment")
        let found = state.withLock { state in
            state.deployments.filter { deployment in
                (sha == nil || deployment.sha == sha) && (ref == nil || deployment.ref == ref)
                    && (task == nil || deployment.task == task) && (environment == nil || deployment.environment == environment)
            }
        }
        return paginate(request, found.reversed().map(deploymentJSON))
    }

    /// `repos/create-deployment-status`: `state` in GitHub's list, `description` at most 140
    /// characters. A `success` with `auto_inactive` (default true) adds `inactive` to the earlier
    /// non-transient, non-production deployments of the same environment whose latest state is
    /// `success`.
    func createDeploymentStatus(_ request: HTTPRequest, id: String, login: String) -> HTTPResponse {
        guard let object = Self.jsonObject(request) else { return Self.validationFailed("body") }
        guard let stateName = object["state"] as? String, Self.deploymentStates.contains(stateName) else { return Self.validationFailed("state") }
        let description = object["description"] as? String ?? ""
        if description.count > 140 { return Self.validationFailed("description") }
        let autoInactive = object["auto_inactive"] as? Bool ?? true
        let created: (DeploymentStatus, Deployment)? = state.withLock { state in
            guard let id = Int(id), let deployment = state.deployments.first(where: { $0.id == id }) else { return nil }
            state.nextID += 1
            state.clock = state.clock.addingTimeInterval(1)
            let status = DeploymentStatus(id: state.nextID, deploymentID: id, state: stateName, description: description,
                                          environmentURL: object["environment_url"] as? String,
                                          logURL: (object["log_url"] as? String) ?? (object["target_url"] as? String),
                                          creator: login, automatic: false, createdAt: state.clock)
            state.deploymentStatuses.append(status)
            if stateName == "success", autoInactive {
                for other in state.deployments where other.id != id && other.environment == deployment.environment
                    && !other.transientEnvironment && !other.productionEnvironment
                    && state.deploymentStatuses.last(where: { $0.deploymentID == other.id })?.state == "success" {
                    state.nextID += 1
                    state.deploymentStatuses.append(DeploymentStatus(id: state.nextID, deploymentID: other.id, state: "inactive", description: "",
                                                                     environmentURL: nil, logURL: nil, creator: login, automatic: true,
                                                                     createdAt: state.clock))
                }
            }
            return (status, deployment)
        }
        guard let (status, deployment) = created else { return Self.message(404, "Not Found") }
        return .jsonObject(status: 201, deploymentStatusJSON(status, deployment))
    }

    /// `repos/list-deployment-statuses`: newest first.
    func listDeploymentStatuses(_ request: HTTPRequest, id: String) -> HTTPResponse {
        let found: (Deployment, [DeploymentStatus])? = state.withLock { state in
            guard let id = Int(id), let deployment = state.deployments.first(where: { $0.id == id }) else { return nil }
            return (deployment, state.deploymentStatuses.filter { $0.deploymentID == id })
        }
        guard let (deployment, statuses) = found else { return Self.message(404, "Not Found") }
        return paginate(request, statuses.reversed().map { deploymentStatusJSON($0, deployment) })
    }

    private func deploymentJSON(_ deployment: Deployment) -> [String: Any] {
        let full = "\(owner)/\(repo)"
        return [
            "id": deployment.id, "node_id": "DE_\(deployment.id)", "sha": deployment.sha, "ref": deployment.ref, "task": deployment.task,
            "environment": deployment.environment, "original_environment": deployment.environment, "description": deployment.description,
            "payload": deployment.payload, "transient_environment": deployment.transientEnvironment,
            "production_environment": deployment.productionEnvironment, "creator": ["login": deployment.creator, "id": 2, "type": "Bot"],
            "url": "\(baseURL)/repos/\(full)/deployments/\(deployment.id)",
            "statuses_url": "\(baseURL)/repos/\(full)/deployments/\(deployment.id)/statuses",
            "repository_url": "\(baseURL)/repos/\(full)",
            "created_at": Self.iso8601(deployment.createdAt), "updated_at": Self.iso8601(deployment.createdAt),
        ]
    }

    private func deploymentStatusJSON(_ status: DeploymentStatus, _ deployment: Deployment) -> [String: Any] {
        let full = "\(owner)/\(repo)"
        return [
            "id": status.id, "node_id": "DES_\(status.id)", "state": status.state, "description": status.description,
            "environment": deployment.environment, "environment_url": status.environmentURL ?? "", "log_url": status.logURL ?? "",
            "target_url": status.logURL ?? "", "creator": ["login": status.creator, "id": 2, "type": "Bot"],
            "deployment_url": "\(baseURL)/repos/\(full)/deployments/\(deployment.id)", "repository_url": "\(baseURL)/repos/\(full)",
            "url": "\(baseURL)/repos/\(full)/deployments/\(deployment.id)/statuses/\(status.id)",
            "created_at": Self.iso8601(status.createdAt), "updated_at": Self.iso8601(status.createdAt),
        ]
    }
}
