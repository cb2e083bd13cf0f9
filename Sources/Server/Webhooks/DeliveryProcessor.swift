import Foundation
public import SlipwayCore
public import Store

/// What the bot does with a decoded event (the reconciler, once it exists). Throwing marks the
/// delivery for another attempt.
public protocol DeliveryHandler: Sendable {
    func handle(_ event: WebhookEvent, delivery: DeliveryRecord, logger: Logger) throws
}

/// A handler that only logs (journal-only mode, and tests of the journal).
public struct LoggingDeliveryHandler: DeliveryHandler {
    public init() {}
    public func handle(_ event: WebhookEvent, delivery: DeliveryRecord, logger: Logger) throws {
        logger.info("delivery processed")
    }
}

/// Turns one claimed delivery into a result: decode (ignored or rejected with a reason), then
/// hand the event to the handler. Pure apart from the handler call.
public struct DeliveryProcessor: Sendable {
    let handler: any DeliveryHandler
    /// Deliveries about any other repository are ignored (nil: accept any repository).
    let repositoryFullName: String?

    public init(handler: any DeliveryHandler, repositoryFullName: String? = nil) {
        self.handler = handler
        self.repositoryFullName = repositoryFullName
    }

    public func process(_ delivery: DeliveryRecord, logger: Logger) -> DeliveryResult {
        let payload: Data
        switch WebhookBody.payload(contentType: delivery.contentType, body: delivery.body) {
        case .success(let data): payload = data
        case .failure(let error):
            return DeliveryResult(status: .rejected, reason: "\(error)", fieldPath: "")
        }
        switch WebhookDecoder.decode(event: delivery.event, payload: payload) {
        case .ignored(let reason):
            return DeliveryResult(status: .ignored, action: WebhookDecoder.action(in: payload), reason: reason)
        case .rejected(let fieldPath, let reason):
            return DeliveryResult(status: .rejected, action: WebhookDecoder.action(in: payload), reason: reason, fieldPath: fieldPath)
        case .event(let event):
            var action: String?
            if case .pullRequest(let pr) = event { action = pr.action.rawValue }
            if let expected = repositoryFullName, let actual = event.repository?.fullName,
               actual.caseInsensitiveCompare(expected) != .orderedSame {
                return DeliveryResult(status: .ignored, action: action,
                                      reason: "delivery is about \(actual), not the managed repository \(expected)")
            }
            do {
                try handler.handle(event, delivery: delivery, logger: logger)
                return DeliveryResult(status: .processed, action: action)
            } catch {
                return DeliveryResult(status: .failed, action: action, reason: "\(error)")
            }
        }
    }
}
