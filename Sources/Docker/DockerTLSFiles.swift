import Foundation

/// The PEM files of a TLS connection to a Docker daemon run with `--tlsverify`: the CA that
/// signed the daemon's certificate, and the client's certificate and key. Paths only (the key's
/// bytes are read by libcurl, never kept here).
public struct DockerTLSFiles: Sendable, Equatable {
    public let caCertificatePath: String
    public let certificatePath: String
    public let privateKeyPath: String

    /// Checks that each file is readable.
    public init(caCertificatePath: String, certificatePath: String, privateKeyPath: String) throws(DockerHostError) {
        for (what, path) in [("CA certificate", caCertificatePath), ("client certificate", certificatePath), ("client key", privateKeyPath)] {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw DockerHostError("the Docker TLS \(what) \(path) is missing or unreadable")
            }
        }
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }

    /// `ca.pem`, `cert.pem` and `key.pem` in `directory`, as `DOCKER_CERT_PATH` holds them.
    public init(directory: String) throws(DockerHostError) {
        try self.init(caCertificatePath: directory + "/ca.pem", certificatePath: directory + "/cert.pem", privateKeyPath: directory + "/key.pem")
    }
}
