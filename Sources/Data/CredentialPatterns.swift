/// The shapes the scan refuses and `redact` replaces, as PostgreSQL advanced regular expressions
/// (ARE). Names go into findings and messages; the patterns never match anything Slipway writes
/// itself (`user<key>@example.invalid`, `+1-555-01xx`, `[redacted]`).
enum CredentialPatterns {
    struct Pattern {
        var name: String
        var regex: String
        /// A literal every match contains: the scan tests it with `strpos` first, since
        /// PostgreSQL's regex engine has no literal prefilter of its own and a regex test costs
        /// ~40x a `strpos` (measured on a sanitized 300,000-row table).
        var literal: String? = nil
    }

    /// Live API keys, tokens and private keys.
    static let credentials: [Pattern] = [
        Pattern(name: "Stripe live secret key (sk_live_)", regex: #"sk_live_[0-9A-Za-z]+"#, literal: "sk_live_"),
        Pattern(name: "Stripe live restricted key (rk_live_)", regex: #"rk_live_[0-9A-Za-z]+"#, literal: "rk_live_"),
        Pattern(name: "Stripe live publishable key (pk_live_)", regex: #"pk_live_[0-9A-Za-z]+"#, literal: "pk_live_"),
        Pattern(name: "GitHub token (ghp_/gho_/ghs_/ghu_/ghr_)", regex: #"gh[opsur]_[A-Za-z0-9]{20,}"#, literal: "gh"),
        Pattern(name: "GitHub fine-grained token (github_pat_)", regex: #"github_pat_[A-Za-z0-9_]{20,}"#, literal: "github_pat_"),
        Pattern(name: "AWS access key id (AKIA)", regex: #"AKIA[0-9A-Z]{16}"#, literal: "AKIA"),
        Pattern(name: "Slack token (xox?-)", regex: #"xox[abpr]-[A-Za-z0-9-]+"#, literal: "xox"),
        Pattern(name: "private key block", regex: #"-----BEGIN [A-Z ]*PRIVATE KEY-----"#, literal: "-----BEGIN "),
    ]

    /// An email address outside `example.invalid` (the only domain fakes use).
    static let email = Pattern(
        name: "email address",
        regex: #"[A-Za-z0-9._%+-]+@(?!example\.invalid([^A-Za-z0-9.-]|$))[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"#)

    /// 13 to 19 digits, optionally separated by single spaces or dashes (a card number shape).
    static let cardLike = #"[0-9]([ -]?[0-9]){12,18}"#

    // MARK: Redaction (free text and JSON)

    /// Any email address (fakes included: they are replaced by another fake).
    static let anyEmail = #"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"#
    /// A phone-like number: an optional `+` or `(`, then at least 9 digits separated by spaces,
    /// dots, dashes or parentheses (`+1 (555) 010-9999`, `0044 20 7946 0000`, `555.010.9999`).
    static let phoneLike = #"(\+|\()?[0-9]([ ().-]*[0-9]){8,}"#
    /// A private key block with its end line, then one without (cut at the end of the base64).
    static let privateKeyBlock = #"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----"#
    static let privateKeyOpen = #"-----BEGIN [A-Z ]*PRIVATE KEY-----[A-Za-z0-9+/=\s\\]*"#

    /// (regex, replacement in text, replacement in JSON), applied in this order.
    static let redactions: [(regex: String, text: String, json: String)] = {
        var steps: [(String, String, String)] = [
            (privateKeyBlock, "[redacted private key]", "[redacted private key]"),
            (privateKeyOpen, "[redacted private key]", "[redacted private key]"),
        ]
        steps += credentials.dropLast().map { ($0.regex, "[redacted]", "[redacted]") }
        steps += [
            (anyEmail, "redacted@example.invalid", "redacted@example.invalid"),
            // Inside JSON a number may stand bare: replace it by a valid JSON number.
            (cardLike, "[redacted card]", "0"),
            (phoneLike, "[redacted phone]", "0"),
        ]
        return steps
    }()

    /// The longest literal run of a forbid glob (nil when it has none).
    static func literal(forGlob glob: String) -> String? {
        glob.split(whereSeparator: { $0 == "*" || $0 == "?" }).map(String.init).max { $0.count < $1.count }
    }

    /// A forbid glob (`*` any run, `?` one character, the rest literal) as an ARE that finds it
    /// inside a value (like `ForbiddenPatterns` matching a word). Leading and trailing `*` are
    /// dropped: inside a longer text they add nothing.
    static func regex(forGlob glob: String) -> String {
        var pattern = Substring(glob)
        while pattern.hasPrefix("*") { pattern = pattern.dropFirst() }
        while pattern.hasSuffix("*") { pattern = pattern.dropLast() }
        var out = ""
        for character in pattern {
            switch character {
            case "*": out += ".*"
            case "?": out += "."
            default:
                if character.isLetter || character.isNumber || character == "_" || character == " " { out.append(character) }
                else { out += "\\" + String(character) }
            }
        }
        return out.isEmpty ? "." : out
    }
}
