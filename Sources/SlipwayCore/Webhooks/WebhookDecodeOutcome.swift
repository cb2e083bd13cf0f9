/// What `WebhookDecoder.decode(event:payload:)` made of a delivery.
///
/// A value type; safe to share between threads.
public enum WebhookDecodeOutcome: Sendable, Equatable {
    /// A delivery Slipway acts on.
    case event(WebhookEvent)
    /// A well-formed delivery Slipway does not act on (an event or action it does not handle).
    /// Answer 2xx: GitHub keeps adding events and actions.
    case ignored(reason: String)
    /// A delivery of a handled event whose body is not what GitHub documents. `fieldPath` is the
    /// dotted path of the offending field (`pull_request.head.sha`, `commits[0].id`), empty when
    /// the body as a whole is wrong (not JSON, not an object).
    case rejected(fieldPath: String, reason: String)
}
