import Foundation

extension DockerClient {
    /// `POST /swarm/init`: makes this daemon a single-node Swarm manager advertising
    /// `advertiseAddress` and listening for other nodes on `listenAddress` (`host:port`).
    /// Returns the node id.
    @discardableResult
    public func initSwarm(advertiseAddress: String, listenAddress: String = "0.0.0.0:2377") throws(DockerError) -> String {
        let body = Self.json(["AdvertiseAddr": advertiseAddress, "ListenAddr": listenAddress, "ForceNewCluster": false])
        let response = try send(request("POST", "/swarm/init", body: body, contentType: "application/json"), "initialise a Swarm")
        // The answer is the node id as a JSON string.
        return (try? JSONDecoder().decode(String.self, from: response.body)) ?? String(decoding: response.body, as: UTF8.self)
    }

    /// `POST /swarm/leave` (`force` also for the last manager, which ends the Swarm).
    public func leaveSwarm(force: Bool = false) throws(DockerError) {
        _ = try send(request("POST", "/swarm/leave", query: [("force", force ? "1" : "0")]), "leave the Swarm")
    }

    /// `POST /services/create`. Returns the service id. Environment values are scrubbed from errors.
    public func createService(_ spec: ServiceSpec) throws(DockerError) -> String {
        let operation = "create service \(spec.name)"
        if let problem = spec.validate() { throw DockerError(.invalidArgument, operation, message: problem) }
        struct Created: Decodable { let ID: String }
        let request = request("POST", "/services/create", body: Self.json(spec.body()), contentType: "application/json")
        let response = try send(request, operation, scrubbing: Array(spec.environment.values))
        return try Self.decode(Created.self, response.body, operation).ID
    }

    /// `POST /services/{id}/update` with the service's current `version` (from
    /// `inspectService`): replaces its spec, which starts a rolling update. A stale version is a
    /// `.daemon` error (the service changed in between: inspect and try again).
    public func updateService(_ id: String, version: Int, _ spec: ServiceSpec) throws(DockerError) {
        let operation = "update service \(spec.name)"
        if let problem = spec.validate() { throw DockerError(.invalidArgument, operation, message: problem) }
        let path = try Self.checkReference(id, operation)
        let request = request("POST", "/services/\(path)/update", query: [("version", String(version))],
                              body: Self.json(spec.body()), contentType: "application/json")
        _ = try send(request, operation, scrubbing: Array(spec.environment.values))
    }

    /// `GET /services/{id}`.
    public func inspectService(_ id: String) throws(DockerError) -> ServiceDetails {
        let operation = "inspect service \(id)"
        let path = try Self.checkReference(id, operation)
        return try sendDecoding(ServiceDetails.self, request("GET", "/services/\(path)"), operation)
    }

    /// `DELETE /services/{id}`: removes the service; its tasks' containers go away after it.
    public func removeService(_ id: String) throws(DockerError) {
        let operation = "remove service \(id)"
        let path = try Self.checkReference(id, operation)
        _ = try send(request("DELETE", "/services/\(path)"), operation)
    }

    /// `GET /services` filtered by labels.
    public func listServices(labels: [String: String] = [:]) throws(DockerError) -> [ServiceDetails] {
        try sendDecoding([ServiceDetails].self, request("GET", "/services", query: Self.labelFilter(labels)), "list services")
    }

    /// `GET /nodes/{id}`: a node of the Swarm (its address, role, state and labels).
    public func inspectNode(_ id: String) throws(DockerError) -> SwarmNode {
        let operation = "inspect node \(id)"
        let path = try Self.checkReference(id, operation)
        return try sendDecoding(SwarmNode.self, request("GET", "/nodes/\(path)"), operation)
    }

    /// `GET /tasks?filters={"service":[id]}`: the service's tasks, old ones included.
    public func listTasks(service: String) throws(DockerError) -> [SwarmTask] {
        let filters = String(decoding: Self.json(["service": [service]]), as: UTF8.self)
        return try sendDecoding([SwarmTask].self, request("GET", "/tasks", query: [("filters", filters)]), "list the tasks of service \(service)")
    }
}
