public import Crypto
import Foundation

/// How Slipway authenticates to the forge: a token (personal access token, fine-grained token or
/// a token minted elsewhere) or a GitHub App. Has no `description` that shows a secret.
public enum ForgeCredentials: Sendable, CustomStringConvertible {
    case token(String)
    case app(GitHubAppCredentials)

    /// The environment variable a token may come from.
    public static let tokenEnvironmentVariable = "SLIPWAY_FORGE_TOKEN"

    /// A token read from `--forge-token-file` (trimmed) when given, else from
    /// `SLIPWAY_FORGE_TOKEN` in `environment`; nil when neither is set.
    public static func token(file: String?, environment: [String: String]) throws(ForgeError) -> ForgeCredentials? {
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ForgeError(kind: .invalidConfiguration, repository: nil, operation: .listPullRequests,
                                 detail: "cannot read the token file \(file)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw ForgeError(kind: .invalidConfiguration, repository: nil, operation: .listPullRequests,
                                 detail: "the token file \(file) is empty")
            }
            return .token(token)
        }
        if let token = environment[tokenEnvironmentVariable]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            return .token(token)
        }
        return nil
    }

    public var description: String {
        switch self {
        case .token: "token"
        case .app(let app): "GitHub App \(app.appID)"
        }
    }
}

/// A GitHub App: its id, its private key (signs the JWT), and optionally the installation id
/// (else found with `GET /repos/{owner}/{repo}/installation`).
public struct GitHubAppCredentials: Sendable {
    public let appID: String
    public let privateKey: RSAPrivateKey
    public let installationID: Int?

    public init(appID: String, privateKey: RSAPrivateKey, installationID: Int? = nil) {
        self.appID = appID
        self.privateKey = privateKey
        self.installationID = installationID
    }

    /// Reads the PEM private key file (`--forge-app-key-file`). The error never holds key text.
    public init(appID: String, privateKeyFile: String, installationID: Int? = nil) throws(ForgeError) {
        do {
            let pem = try String(contentsOfFile: privateKeyFile, encoding: .utf8)
            self.init(appID: appID, privateKey: try RSAPrivateKey(pem: pem), installationID: installationID)
        } catch {
            throw ForgeError(kind: .invalidConfiguration, repository: nil, operation: .createInstallationToken,
                             detail: "cannot read the App private key \(privateKeyFile) as an RSA PEM key")
        }
    }
}
