/// Recognises credentials by their shape alone, for `Redactor.redactsTokenShapes`:
///
/// - GitHub tokens: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` or `github_pat_` followed by at least
///   `minimumGitHubTokenBody` (20) characters of `[A-Za-z0-9_]` (real ones have 36 or more).
/// - JWTs: three base64url segments separated by `.`, the first starting `eyJ` (`{"`) and at least
///   10 characters long, the second at least 2, the third possibly empty (unsigned tokens).
///
/// A match runs to the end of its characters, capped at `maximumLength` bytes so a stream never
/// holds back more than that (the rest of a longer run is not masked).
public enum TokenShape {
    /// The longest run one match covers (and the most a stream holds back for a shape).
    public static let maximumLength = 16 * 1024
    /// The fewest characters after a GitHub token prefix that make a token.
    public static let minimumGitHubTokenBody = 20

    static let gitHubPrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].map { Array($0.utf8) }
    static let jwtPrefix = Array("eyJ".utf8)

    enum Match: Equatable {
        case none
        /// A token of this many bytes starts here.
        case match(Int)
        /// The text ends before it can be told (only when not final).
        case undecided
    }

    /// Finds shapes position by position. After a failed attempt it skips the rest of that run, so
    /// a scan stays linear even over text like `eyJeyJeyJ...`. One per scan.
    struct Scanner {
        private var gitHubSkip = 0
        private var jwtSkip = 0

        mutating func match(_ text: UnsafeBufferPointer<UInt8>, at start: Int, final: Bool) -> Match {
            let byte = text[start]
            if byte == UInt8(ascii: "g"), start >= gitHubSkip {
                let found = gitHub(text, at: start, final: final)
                if case .skip(let end) = found { gitHubSkip = end } else { return found.match }
            }
            if byte == UInt8(ascii: "e"), start >= jwtSkip {
                let found = jwt(text, at: start, final: final)
                if case .skip(let end) = found { jwtSkip = end } else { return found.match }
            }
            return .none
        }

        private enum Attempt {
            case found(Int)
            case undecided
            /// No shape starts anywhere before `end` in this run.
            case skip(Int)

            var match: Match {
                switch self {
                case .found(let length): .match(length)
                case .undecided: .undecided
                case .skip: .none
                }
            }
        }

        private func gitHub(_ text: UnsafeBufferPointer<UInt8>, at start: Int, final: Bool) -> Attempt {
            for prefix in TokenShape.gitHubPrefixes {
                switch TokenShape.compare(prefix, text, at: start) {
                case .different: continue
                case .truncated: return final ? .skip(start + 1) : .undecided
                case .equal:
                    let bodyStart = start + prefix.count
                    let end = TokenShape.run(text, from: bodyStart, start: start, TokenShape.isWord)
                    if end == text.count, !final, end - start < TokenShape.maximumLength { return .undecided }
                    return end - bodyStart >= TokenShape.minimumGitHubTokenBody ? .found(end - start) : .skip(end)
                }
            }
            return .skip(start + 1)
        }

        private func jwt(_ text: UnsafeBufferPointer<UInt8>, at start: Int, final: Bool) -> Attempt {
            switch TokenShape.compare(TokenShape.jwtPrefix, text, at: start) {
            case .different: return .skip(start + 1)
            case .truncated: return final ? .skip(start + 1) : .undecided
            case .equal: break
            }
            let count = text.count
            // The run ends the buffer and more may come.
            func open(_ end: Int) -> Bool { end == count && !final && end - start < TokenShape.maximumLength }
            // A payload or signature that reached the cap is masked up to the cap.
            func capped(_ end: Int) -> Bool { end - start >= TokenShape.maximumLength }
            let firstEnd = TokenShape.run(text, from: start, start: start, TokenShape.isBase64URL)
            if open(firstEnd) { return .undecided }
            // No JWT header is that long: a blob of base64url JSON, not a token.
            if capped(firstEnd) { return .skip(firstEnd) }
            guard firstEnd - start >= 10, firstEnd < count, text[firstEnd] == UInt8(ascii: ".") else { return .skip(firstEnd) }
            let secondEnd = TokenShape.run(text, from: firstEnd + 1, start: start, TokenShape.isBase64URL)
            if open(secondEnd) { return .undecided }
            if capped(secondEnd) { return .found(TokenShape.maximumLength) }
            guard secondEnd - firstEnd - 1 >= 2, secondEnd < count, text[secondEnd] == UInt8(ascii: ".") else { return .skip(firstEnd) }
            let thirdEnd = TokenShape.run(text, from: secondEnd + 1, start: start, TokenShape.isBase64URL)
            if open(thirdEnd) { return .undecided }
            return .found(thirdEnd - start)
        }
    }

    private enum Comparison { case equal, different, truncated }

    /// Whether `prefix` starts at `start`, is absent, or the text ends first (a partial match).
    private static func compare(_ prefix: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at start: Int) -> Comparison {
        for (offset, byte) in prefix.enumerated() {
            guard start + offset < text.count else { return .truncated }
            if text[start + offset] != byte { return .different }
        }
        return .equal
    }

    /// The end of the run of `accepted` bytes from `from`, capped at `start + maximumLength`.
    private static func run(_ text: UnsafeBufferPointer<UInt8>, from: Int, start: Int, _ accepted: (UInt8) -> Bool) -> Int {
        let limit = min(text.count, start + maximumLength)
        var end = min(from, limit)
        while end < limit, accepted(text[end]) { end += 1 }
        return end
    }

    static func isWord(_ byte: UInt8) -> Bool {
        Redactor.isAlphanumeric(byte) || byte == UInt8(ascii: "_")
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        isWord(byte) || byte == UInt8(ascii: "-")
    }
}
