/// Files for a TLS connection with a private certificate authority and a client certificate, as
/// a Docker daemon behind `--tlsverify` wants (`DOCKER_CERT_PATH`'s `ca.pem`, `cert.pem`,
/// `key.pem`). All PEM; libcurl reads them when the request is sent. Paths only: the key's bytes
/// never pass through this value, and errors name at most the path.
public struct HTTPClientTLSFiles: Sendable, Equatable {
    /// The CA bundle to verify the server with, instead of the system's (`CURLOPT_CAINFO`).
    public var caCertificatePath: String?
    /// The client certificate presented to the server (`CURLOPT_SSLCERT`).
    public var certificatePath: String?
    /// The client certificate's private key (`CURLOPT_SSLKEY`).
    public var privateKeyPath: String?

    public init(caCertificatePath: String? = nil, certificatePath: String? = nil, privateKeyPath: String? = nil) {
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }
}
