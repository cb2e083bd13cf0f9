import Foundation

extension GitHubClient {
    /// Creates a GitHub Deployment of `request.sha` to `request.environment`
    /// (`POST /repos/{owner}/{repo}/deployments`). Not retried here on a 5xx (GitHub may have
    /// created it before failing): `DeploymentUpdate` through the update queue finds it with
    /// `deployments(sha:environment:)` before creating, so a retry never makes two.
    public func createDeployment(_ request: DeploymentRequest) throws(ForgeError) -> GitHubDeployment {
        var wire = request.wireBody
        wire.description = redact(wire.description)
        wire.payload = wire.payload.mapValues(redact)
        let data = try encode(wire, .createDeployment)
        return try decode(GitHubDeployment.self, Call(operation: .createDeployment, method: "POST", path: "\(repoPath)/deployments",
                                                      body: data, retriesServerErrors: false))
    }

    /// The deployments of `sha` to `environment` (either filter optional), newest first, all
    /// pages (`GET /repos/{owner}/{repo}/deployments?sha=…&environment=…`).
    public func deployments(sha: String? = nil, environment: String? = nil) throws(ForgeError) -> [GitHubDeployment] {
        var query: [(String, String)] = []
        if let sha { query.append(("sha", sha)) }
        if let environment { query.append(("environment", environment)) }
        return try paginate(GitHubDeployment.self, Call(operation: .listDeployments, method: "GET", path: "\(repoPath)/deployments", query: query))
    }

    /// Adds a status to deployment `id`
    /// (`POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`).
    @discardableResult
    public func createDeploymentStatus(deploymentID id: Int, _ request: DeploymentStatusRequest) throws(ForgeError) -> GitHubDeploymentStatus {
        var wire = request.wireBody
        wire.description = redact(wire.description)
        let data = try encode(wire, .createDeploymentStatus)
        return try decode(GitHubDeploymentStatus.self, Call(operation: .createDeploymentStatus, method: "POST",
                                                            path: "\(repoPath)/deployments/\(id)/statuses", body: data))
    }

    /// The statuses of deployment `id`, newest first, all pages
    /// (`GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`).
    public func deploymentStatuses(deploymentID id: Int) throws(ForgeError) -> [GitHubDeploymentStatus] {
        try paginate(GitHubDeploymentStatus.self, Call(operation: .listDeploymentStatuses, method: "GET",
                                                       path: "\(repoPath)/deployments/\(id)/statuses"))
    }
}
