/// The `pull_request` actions Slipway handles; the raw value is GitHub's `action` string.
///
/// Other actions (`assigned`, `review_requested`, ...) are ignored by `WebhookDecoder`.
public enum PullRequestAction: String, Sendable, Equatable, Hashable, CaseIterable {
    case opened
    case reopened
    case synchronize
    case closed
    case labeled
    case unlabeled
    case readyForReview = "ready_for_review"
    case convertedToDraft = "converted_to_draft"
    case edited
}
