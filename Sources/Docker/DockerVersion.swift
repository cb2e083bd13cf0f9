/// What `GET /version` tells (the fields Slipway uses).
public struct DockerVersion: Sendable, Decodable, Equatable {
    /// The engine's version, e.g. `20.10.24+dfsg1`.
    public let version: String
    /// The newest API version the daemon speaks, e.g. `1.41`.
    public let apiVersion: String
    /// The oldest API version it still serves (absent from some Podman versions).
    public let minAPIVersion: String?
    public let os: String?
    public let arch: String?
    public let kernelVersion: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion"
        case os = "Os", arch = "Arch", kernelVersion = "KernelVersion"
    }

    /// `1.41` as (1, 41); nil when it is not two dot-separated numbers.
    static func parse(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }
}
