internal import CGit2
import Foundation

/// State shared with libgit2's remote callbacks during one clone, fetch or push.
///
/// Lives on the caller's stack for the duration of the blocking call; libgit2 gets it through
/// `Unmanaged.passUnretained` (the credentials callback may run several times, so it must never
/// consume a retain). Used from one thread only.
final class TransferContext {
    /// How many times libgit2 may ask for credentials before we give up. The pair already went out
    /// with the first request (custom header), so one retry through libgit2's own auth is plenty;
    /// being asked again means the server refused it.
    static let maximumCredentialRequests = 1
    /// Bound on the server's sideband text kept for error messages.
    static let maximumRemoteMessageBytes = 8 * 1024

    let credentials: GitCredentials?
    private(set) var credentialRequests = 0
    private(set) var authenticationFailed = false
    /// Refs the server refused during a push, with its status text.
    private(set) var rejections: [(reference: String, status: String)] = []
    /// What the server printed on the sideband ("remote: ..." lines), bounded.
    private var remoteOutput = Data()

    init(credentials: GitCredentials?) {
        self.credentials = credentials
    }

    /// Extra HTTP headers: the basic-auth header up front, so that no 401 round trip is needed.
    var customHeaders: [String] {
        guard let credentials else { return [] }
        return [credentials.basicAuthorizationHeader]
    }

    /// Installs the callbacks and this context as their payload.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.credentials = transferCredentialsCallback
        callbacks.push_update_reference = transferPushUpdateReferenceCallback
        callbacks.sideband_progress = transferSidebandCallback
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
    }

    /// Runs `body` with the headers as a `git_strarray` and keeps this context alive meanwhile.
    func withHeaders<R>(_ body: (git_strarray) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) {
            try withStrArray(customHeaders) { try body($0.pointee) }
        }
    }

    /// The error for a failed transfer call: the password is cut out of the message and an
    /// authentication failure is named as such even when libgit2 reports it generically.
    func error(function: String, code: Int32) -> GitError {
        let error = GitError.fromLastError(function: function, code: code, redacting: credentials?.password)
        if authenticationFailed { return error.with(kind: .authentication) }
        let lowered = error.message.lowercased()
        if error.kind == .other, lowered.contains("401") || lowered.contains("authentication") {
            return error.with(kind: .authentication)
        }
        return error
    }

    fileprivate func acquireCredential(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, url: String, allowedTypes: UInt32
    ) -> Int32 {
        credentialRequests += 1
        let failure: String
        if let credentials {
            if credentialRequests > Self.maximumCredentialRequests {
                failure = "authentication failed for \(url): the server refused the credentials for user '\(credentials.username)'"
            } else if allowedTypes & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue == 0 {
                failure = "authentication for \(url) needs a credential type other than username/password"
            } else {
                return git_credential_userpass_plaintext_new(out, credentials.username, credentials.password)
            }
        } else {
            failure = "authentication required by \(url) but no credentials were given"
        }
        authenticationFailed = true
        git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), failure)
        return GIT_EAUTH.rawValue
    }

    /// The server's own messages (hook output such as "main is protected"), without progress
    /// meters, one line each.
    var remoteMessages: [String] {
        String(decoding: remoteOutput, as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.contains("%") }
    }

    fileprivate func recordRemoteOutput(_ bytes: UnsafeRawBufferPointer) {
        let room = Self.maximumRemoteMessageBytes - remoteOutput.count
        if room > 0 { remoteOutput.append(contentsOf: bytes.prefix(room)) }
    }

    fileprivate func recordPushStatus(reference: String, status: String?) {
        if let status { rejections.append((reference, status)) }
    }
}

/// `git_credential_acquire_cb`: answers with the configured username and password.
private func transferCredentialsCallback(
    out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?,
    url: UnsafePointer<CChar>?,
    usernameFromURL: UnsafePointer<CChar>?,
    allowedTypes: UInt32,
    payload: UnsafeMutableRawPointer?
) -> Int32 {
    guard let payload else {
        git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), "credentials callback without context")
        return GIT_ERROR.rawValue
    }
    let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
    return context.acquireCredential(out, url: url.map { String(cString: $0) } ?? "remote", allowedTypes: allowedTypes)
}

/// `git_push_update_reference_cb`: records the server's verdict for each pushed ref.
private func transferPushUpdateReferenceCallback(
    reference: UnsafePointer<CChar>?,
    status: UnsafePointer<CChar>?,
    payload: UnsafeMutableRawPointer?
) -> Int32 {
    guard let payload else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
    context.recordPushStatus(reference: reference.map { String(cString: $0) } ?? "", status: status.map { String(cString: $0) })
    return 0
}

/// `git_transport_message_cb`: collects the server's sideband text.
private func transferSidebandCallback(text: UnsafePointer<CChar>?, length: Int32, payload: UnsafeMutableRawPointer?) -> Int32 {
    guard let payload, let text, length > 0 else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
    context.recordRemoteOutput(UnsafeRawBufferPointer(start: text, count: Int(length)))
    return 0
}
