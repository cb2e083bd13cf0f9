import Foundation

/// What `GET /images/{name}/json` tells (the fields Slipway uses).
public struct ImageDetails: Sendable, Decodable, Equatable {
    /// The image id, `sha256:...`.
    public let id: String
    public let repoTags: [String]
    /// `name@sha256:...` for images pulled from or pushed to a registry (empty for local builds).
    public let repoDigests: [String]
    /// The image's size in bytes.
    public let size: Int64
    public let created: String?
    /// The image's labels (from `LABEL` and the build's `labels`).
    public let labels: [String: String]
    /// The default command and user.
    public let command: [String]?
    public let user: String?
    /// The entry point (`ENTRYPOINT`), if any.
    public let entrypoint: [String]?
    /// Exposed ports (`8080/tcp`) and volumes (`/var/lib/app`), sorted.
    public let exposedPorts: [String]
    public let volumes: [String]
    /// The test of the image's `HEALTHCHECK` (`["CMD-SHELL", "..."]`), if it has one.
    public let healthCheckTest: [String]?

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", size = "Size", created = "Created", config = "Config"
    }

    enum ConfigKeys: String, CodingKey {
        case labels = "Labels", command = "Cmd", user = "User", entrypoint = "Entrypoint"
        case exposedPorts = "ExposedPorts", volumes = "Volumes", healthCheck = "Healthcheck"
    }

    /// Docker's `HealthConfig`, of which only the test is kept.
    struct RawHealthCheck: Decodable {
        let Test: [String]?
    }

    /// The keys of a JSON object whose values are empty objects (`{"8080/tcp": {}}`).
    struct KeySet: Decodable {
        let keys: [String]

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            keys = try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue).sorted()
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        repoTags = try container.decodeIfPresent([String].self, forKey: .repoTags) ?? []
        repoDigests = try container.decodeIfPresent([String].self, forKey: .repoDigests) ?? []
        size = try container.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        created = try container.decodeIfPresent(String.self, forKey: .created)
        if container.contains(.config), try !container.decodeNil(forKey: .config) {
            let config = try container.nestedContainer(keyedBy: ConfigKeys.self, forKey: .config)
            labels = try config.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
            command = try config.decodeIfPresent([String].self, forKey: .command)
            let user = try config.decodeIfPresent(String.self, forKey: .user)
            self.user = user?.isEmpty == true ? nil : user
            entrypoint = try config.decodeIfPresent([String].self, forKey: .entrypoint)
            exposedPorts = try config.decodeIfPresent(KeySet.self, forKey: .exposedPorts)?.keys ?? []
            volumes = try config.decodeIfPresent(KeySet.self, forKey: .volumes)?.keys ?? []
            let test = try config.decodeIfPresent(RawHealthCheck.self, forKey: .healthCheck)?.Test
            healthCheckTest = test.flatMap { $0.isEmpty || $0 == ["NONE"] ? nil : $0 }
        } else {
            labels = [:]
            command = nil
            user = nil
            entrypoint = nil
            exposedPorts = []
            volumes = []
            healthCheckTest = nil
        }
    }
}
