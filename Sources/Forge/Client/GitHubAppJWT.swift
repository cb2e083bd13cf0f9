public import Crypto
public import Foundation
import SlipwayCore

/// The JSON Web Token a GitHub App signs to authenticate as itself (RS256): issued 60 seconds in
/// the past (clock drift), expiring after 9 minutes (GitHub refuses more than 10), issuer the app id.
public enum GitHubAppJWT {
    /// How far `iat` is backdated.
    public static let backdate: Double = 60
    /// How long after `now` the token expires.
    public static let lifetime: Double = 540

    public static func make(appID: String, key: RSAPrivateKey, now: Date) throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970) - Int(backdate)
        let expires = Int(now.timeIntervalSince1970) + Int(lifetime)
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let claims = #"{"iat":\#(issuedAt),"exp":\#(expires),"iss":\#(JSONString.quote(appID))}"#
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        let signature = try key.signSHA256(signingInput)
        return signingInput + "." + Base64URL.encode(signature)
    }
}
