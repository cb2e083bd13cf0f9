import Foundation

extension DockerClient {
    /// `GET /_ping`: whether the daemon answers (throws `.connection` when it cannot be reached).
    public func ping() throws(DockerError) {
        _ = try send(request("GET", "/_ping", versioned: false), "ping")
    }

    /// `GET /version` (not version-pinned, so it answers whatever the daemon speaks).
    public func version() throws(DockerError) -> DockerVersion {
        try sendDecoding(DockerVersion.self, request("GET", "/version", versioned: false), "read the daemon version")
    }

    /// Reads the daemon's version and checks that it serves API 1.41: its `ApiVersion` is at
    /// least 1.41 and its `MinAPIVersion` at most 1.41. Else `.unsupportedAPIVersion`.
    @discardableResult
    public func checkAPIVersion() throws(DockerError) -> DockerVersion {
        let version = try version()
        let wanted = Self.apiVersionNumber
        guard let highest = DockerVersion.parse(version.apiVersion), highest >= wanted else {
            throw DockerError(.unsupportedAPIVersion, "check the API version",
                              message: "the daemon (\(version.version)) speaks API \(version.apiVersion); Slipway needs \(Self.apiVersion) or newer (Docker 20.10+, Podman 3+)")
        }
        if let lowest = version.minAPIVersion.flatMap(DockerVersion.parse), lowest > wanted {
            throw DockerError(.unsupportedAPIVersion, "check the API version",
                              message: "the daemon (\(version.version)) no longer serves API \(Self.apiVersion) (its oldest is \(version.minAPIVersion ?? "?"))")
        }
        return version
    }

    /// `GET /info`: the daemon's identity, capacity and Swarm state.
    public func info() throws(DockerError) -> DockerInfo {
        try sendDecoding(DockerInfo.self, request("GET", "/info"), "read the daemon info")
    }
}
