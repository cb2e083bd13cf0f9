import Foundation

/// The per-request state libmicrohttpd keeps for us in its `req_cls` pointer: created (retained)
/// in the URI log callback, released in the completion callback, which also runs when the client
/// aborts. Only the one worker thread serving the connection touches it at a time.
final class RequestState {
    enum Phase {
        /// The request line arrived; headers not yet seen by the access handler.
        case started
        /// Headers processed; collecting the body.
        case readingBody
        /// The body went past the size limit (413) or the budget for bodies in flight (503): the
        /// rest is dropped (`dropped` bytes so far) and the answer queued when it ends.
        case rejected(Rejection, dropped: Int)
        /// A response was queued (possibly early, e.g. 413); further body data is dropped.
        case answered
    }

    enum Rejection {
        case tooLarge
        case overBudget
    }

    /// The request target exactly as sent, e.g. `/path?x=1`.
    let target: String
    var phase = Phase.started
    var body = Data()
    /// Bytes of the server's `BodyBudget` this request holds.
    var reserved = 0

    /// Gives back every reserved byte (idempotent).
    func releaseReservation(_ budget: BodyBudget) {
        budget.release(reserved)
        reserved = 0
    }

    init(target: String) {
        self.target = target
    }

    /// The raw query string (after the first `?`), or nil when the target had none.
    var query: String? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        var query = target[target.index(after: mark)...]
        if let fragment = query.firstIndex(of: "#") { query = query[..<fragment] }
        return String(query)
    }
}
