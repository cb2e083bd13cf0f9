/// A `--docker-host` / `DOCKER_HOST` value (or its TLS files) that cannot be used, and why.
public struct DockerHostError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
