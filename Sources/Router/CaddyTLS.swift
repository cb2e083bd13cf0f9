/// How Caddy gets certificates for the environments' hosts.
public enum CaddyTLS: Sendable, Equatable {
    /// Caddy's own local CA (`tls internal`), issued when a host is first asked for: for tests
    /// and the demo; clients must trust Caddy's root (`pki/authorities/local/root.crt` in its
    /// data directory).
    case internalCA
    /// Public certificates from Caddy's default ACME issuers (Let's Encrypt, ZeroSSL) obtained
    /// on demand, at a host's first TLS handshake, after Caddy asked `askURL?domain=HOST` and got
    /// a 2xx: Slipway answers that (`CertificateAskHandler`) for hosts of live environments only.
    case acme(askURL: String)
    /// A certificate the operator gives (usually a wildcard `*.preview-domain`): PEM files Caddy
    /// loads (`tls.certificates.load_files`). Hosts it does not cover get Caddy's default
    /// automatic HTTPS.
    case files(certificate: String, key: String)

    /// `internal`, `acme` or `files`, as in `--tls`.
    public var name: String {
        switch self {
        case .internalCA: "internal"
        case .acme: "acme"
        case .files: "files"
        }
    }
}
