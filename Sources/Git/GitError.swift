internal import CGit2
import Foundation

/// A failed libgit2 call (or a check made by this wrapper), with libgit2's own code and message.
///
/// A value type: safe to pass between threads.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely, for callers that react to specific failures.
    public enum Kind: Sendable, Hashable {
        /// The object, reference, path, remote or revision does not exist (`GIT_ENOTFOUND`).
        case notFound
        /// A push was refused because it is not a fast-forward (`GIT_ENONFASTFORWARD`, or the
        /// server's "non-fast-forward"/"fetch first" status for a ref).
        case nonFastForward
        /// The server refused our credentials, or asked for credentials we do not have.
        case authentication
        /// A reference moved under us: it no longer has the value we expected (`GIT_EMODIFIED`),
        /// or it appeared or disappeared since we looked.
        case conflict
        /// Something with that name already exists (`GIT_EEXISTS`).
        case alreadyExists
        /// A lock file (e.g. `refs/heads/main.lock`) is held by someone else (`GIT_ELOCKED`).
        case locked
        /// A short object id or revision matches several objects (`GIT_EAMBIGUOUS`).
        case ambiguous
        /// The caller passed something this wrapper or libgit2 refuses (bad path, refspec,
        /// revision syntax, forced push).
        case invalidArgument
        /// The server refused a pushed reference for another reason (hook, protected branch);
        /// `message` carries the server's words.
        case rejected
        /// Anything else.
        case other
    }

    /// The libgit2 function (or wrapper operation) that failed, e.g. `git_remote_push`.
    public let function: String
    /// libgit2's return code (`GIT_ENOTFOUND` = -3, ...); -1 for generic errors.
    public let code: Int32
    /// libgit2's error class (`GIT_ERROR_NET` = 12, `GIT_ERROR_HTTP` = 34, ...); 0 when none.
    public let errorClass: Int32
    /// libgit2's message (or the server's status for a rejected push), secrets removed.
    public let message: String
    public let kind: Kind

    public init(function: String, code: Int32, errorClass: Int32, message: String, kind: Kind) {
        self.function = function
        self.code = code
        self.errorClass = errorClass
        self.message = message
        self.kind = kind
    }

    public var description: String {
        "\(function) failed (\(kind), code \(code), class \(errorClass)): \(message)"
    }

    /// Builds an error from libgit2's last error for this thread. Must be called right after the
    /// failing call. `secret`, when given, is cut out of the message.
    static func fromLastError(function: String, code: Int32, redacting secret: String? = nil) -> GitError {
        var message = "no error message from libgit2"
        var errorClass: Int32 = 0
        if let last = git_error_last() {
            errorClass = last.pointee.klass
            if let text = last.pointee.message { message = String(cString: text) }
        }
        if let secret, !secret.isEmpty {
            message = message.replacingOccurrences(of: secret, with: "***")
        }
        message = redactingURLPasswords(message)
        return GitError(function: function, code: code, errorClass: errorClass, message: message,
                        kind: Kind(code: code))
    }

    /// An error detected by this wrapper rather than by libgit2.
    static func wrapper(_ function: String, _ message: String, kind: Kind) -> GitError {
        GitError(function: function, code: GIT_ERROR.rawValue, errorClass: 0, message: message, kind: kind)
    }

    /// The same error with another kind (when the caller knows better what a code means).
    func with(kind: Kind) -> GitError {
        GitError(function: function, code: code, errorClass: errorClass, message: message, kind: kind)
    }
}

extension GitError.Kind {
    init(code: Int32) {
        switch code {
        case GIT_ENOTFOUND.rawValue: self = .notFound
        case GIT_ENONFASTFORWARD.rawValue: self = .nonFastForward
        case GIT_EAUTH.rawValue: self = .authentication
        case GIT_EMODIFIED.rawValue: self = .conflict
        case GIT_EEXISTS.rawValue: self = .alreadyExists
        case GIT_ELOCKED.rawValue: self = .locked
        case GIT_EAMBIGUOUS.rawValue: self = .ambiguous
        case GIT_EINVALIDSPEC.rawValue, GIT_EINVALID.rawValue: self = .invalidArgument
        default: self = .other
        }
    }
}

/// Replaces the password of any `scheme://user:password@host` URL in `text` with `***`, so that
/// credentials embedded in a remote URL never reach an error message.
func redactingURLPasswords(_ text: String) -> String {
    guard text.contains("://"), text.contains("@") else { return text }
    let pattern = #"(://[^/@:\s]*):[^/@\s]*@"#
    guard let expression = try? NSRegularExpression(pattern: pattern) else { return text }
    let range = NSRange(text.startIndex..., in: text)
    return expression.stringByReplacingMatches(in: text, range: range, withTemplate: "$1:***@")
}
