/// The image a container deploy ran (in the report and the evidence): what it is called, its
/// content-addressed id and its registry digests, so a record says exactly which bytes served.
public struct ContainerImageUse: Sendable, Equatable, Codable {
    /// The reference deployed: the tag Slipway gave a built image (`slipway/pr-7:<sha>-<job>`),
    /// or the spec's `deploy.image`.
    public var reference: String
    /// The image id (`sha256:…`, the digest of its configuration).
    public var id: String
    /// Registry digests (`name@sha256:…`) of a pulled image; empty for a built one.
    public var repoDigests: [String]
    /// Built from the checkout (`deploy.build`) rather than named (`deploy.image`).
    public var built: Bool
    /// `single` or `swarm`.
    public var mode: String
    /// Containers (tasks) serving.
    public var replicas: Int

    enum CodingKeys: String, CodingKey {
        case reference, id, built, mode, replicas
        case repoDigests = "repo_digests"
    }

    public init(reference: String, id: String, repoDigests: [String] = [], built: Bool, mode: String = "single", replicas: Int = 1) {
        self.reference = reference
        self.id = id
        self.repoDigests = repoDigests
        self.built = built
        self.mode = mode
        self.replicas = replicas
    }
}
