import Foundation

extension DockerClient {
    /// `POST /containers/create`: creates (does not start) a container from `spec`, named `name`
    /// when given. Returns its id. The environment's values are scrubbed from any error.
    public func createContainer(_ spec: ContainerSpec, name: String? = nil) throws(DockerError) -> String {
        let operation = "create container" + (name.map { " \($0)" } ?? "") + " from \(spec.image)"
        if let problem = spec.validate() { throw DockerError(.invalidArgument, operation, message: problem) }
        if let name, !Self.isValidContainerName(name) {
            throw DockerError(.invalidArgument, operation, message: "'\(name.prefix(100))' is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)")
        }
        let request = request("POST", "/containers/create", query: name.map { [("name", $0)] } ?? [],
                              body: Self.json(spec.body()), contentType: "application/json")
        struct Created: Decodable { let Id: String }
        let secrets = Array(spec.environment.values)
        let response = try send(request, operation, scrubbing: secrets)
        return try Self.decode(Created.self, response.body, operation).Id
    }

    /// `POST /containers/{id}/start` (already running is fine).
    public func startContainer(_ id: String) throws(DockerError) {
        let operation = "start container \(id)"
        let path = try Self.checkReference(id, operation)
        _ = try send(request("POST", "/containers/\(path)/start"), operation, accepting: [304])
    }

    /// `GET /containers/{id}/json`.
    public func inspectContainer(_ id: String) throws(DockerError) -> ContainerDetails {
        let operation = "inspect container \(id)"
        let path = try Self.checkReference(id, operation)
        return try sendDecoding(ContainerDetails.self, request("GET", "/containers/\(path)/json"), operation)
    }

    /// `GET /containers/{id}/logs`: the last `tail` lines (nil: all) of stdout and stderr, at most
    /// `maxBytes` in all (more is an error rather than a silent cut).
    public func containerLogs(_ id: String, tail: Int? = 1000, maxBytes: Int = 4 * 1024 * 1024) throws(DockerError) -> ContainerLogs {
        let operation = "read the logs of container \(id)"
        let path = try Self.checkReference(id, operation)
        let query = [("stdout", "1"), ("stderr", "1"), ("tail", tail.map(String.init) ?? "all")]
        let response = try send(request("GET", "/containers/\(path)/logs", query: query, maxResponseBytes: maxBytes + maxBytes / 8), operation)
        return ContainerLogs.demultiplex(response.body) ?? ContainerLogs(stdout: response.body)
    }

    /// `POST /containers/{id}/stop`: SIGTERM (or the image's stop signal), then SIGKILL after
    /// `timeout` seconds. Already stopped is fine.
    public func stopContainer(_ id: String, timeout: Int = 10) throws(DockerError) {
        let operation = "stop container \(id)"
        let path = try Self.checkReference(id, operation)
        let request = request("POST", "/containers/\(path)/stop", query: [("t", String(max(0, timeout)))], timeout: self.timeout + Double(max(0, timeout)))
        _ = try send(request, operation, accepting: [304])
    }

    /// `POST /containers/{id}/kill` with `signal` (a name such as `KILL`, `TERM`, or a number).
    public func killContainer(_ id: String, signal: String = "KILL") throws(DockerError) {
        let operation = "kill container \(id)"
        let path = try Self.checkReference(id, operation)
        guard !signal.isEmpty, signal.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw DockerError(.invalidArgument, operation, message: "'\(signal.prefix(20))' is not a signal name or number")
        }
        _ = try send(request("POST", "/containers/\(path)/kill", query: [("signal", signal)]), operation)
    }

    /// `DELETE /containers/{id}`: removes the container (`force` kills it first if running) and
    /// its anonymous volumes.
    public func removeContainer(_ id: String, force: Bool = false) throws(DockerError) {
        let operation = "remove container \(id)"
        let path = try Self.checkReference(id, operation)
        _ = try send(request("DELETE", "/containers/\(path)", query: [("force", force ? "1" : "0"), ("v", "1")]), operation)
    }

    /// `GET /containers/json` filtered by labels (`key=value`, or `key` alone for an empty value;
    /// all must match); stopped containers too unless `all` is false.
    public func listContainers(labels: [String: String] = [:], all: Bool = true) throws(DockerError) -> [ContainerSummary] {
        let query = [("all", all ? "1" : "0")] + Self.labelFilter(labels)
        return try sendDecoding([ContainerSummary].self, request("GET", "/containers/json", query: query), "list containers")
    }

    /// Docker's container name rule.
    static func isValidContainerName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 128,
              first.isASCII, CharacterSet.alphanumerics.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0)) }
    }
}
