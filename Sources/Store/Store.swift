public import Foundation

/// Slipway's state: one narrow protocol with interchangeable SQLite (embedded default) and
/// PostgreSQL (several replicas sharing one queue) backends. Every method is blocking and
/// safe to call from several threads; callers run them off the cooperative pool.
public protocol Store: AnyObject, Sendable {
    /// A short name for logs and `/readyz` (`sqlite`, `postgres`).
    var backendName: String { get }

    /// Checks the backend answers (used by `/readyz`).
    func ping() throws

    // MARK: Delivery journal

    /// Journals a verified delivery durably, de-duplicated by its id. Returns only once the
    /// delivery would survive a crash of this process.
    func journal(_ delivery: NewDelivery) throws -> JournalOutcome

    /// Takes the oldest delivery that is pending (or whose lease expired) for `owner`, leasing it
    /// until `now + lease`. Each call hands a delivery to one caller only, across replicas.
    func claimDelivery(owner: String, lease: TimeInterval, now: Date) throws -> DeliveryRecord?

    /// Processing failed and will be tried again: the lease is kept until `until` (a backoff) and
    /// the error kept as the reason. Only the lease owner can postpone.
    func postponeDelivery(id: String, owner: String, until: Date, reason: String) throws

    /// Records how processing ended; only the lease owner's result is kept.
    func finishDelivery(id: String, owner: String, result: DeliveryResult, now: Date) throws

    /// Puts back every delivery leased by a worker of `instance` (lease owners are
    /// `<instance>/<worker>`): called when that instance starts again after dying, so its work
    /// is not held until the leases expire. Returns how many were released.
    func releaseDeliveries(ownedBy instance: String) throws -> Int

    /// One delivery with its body, or nil.
    func delivery(id: String) throws -> DeliveryRecord?

    /// The newest deliveries first, without bodies.
    func deliveries(limit: Int) throws -> [DeliveryRecord]

    /// Puts a delivery back into the queue so it is processed again. False if unknown.
    func replayDelivery(id: String) throws -> Bool

    /// How many deliveries wait for a worker (pending or processing).
    func journalDepth() throws -> Int
}
