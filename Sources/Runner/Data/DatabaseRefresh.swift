/// A pending refresh of an environment's database: `slipway env refresh` (or the snapshot
/// schedule, for staging) stores the request under `keyPrefix + environment` in the store's
/// key-value table and queues a deploy; that deploy recreates the database and clears the key.
public enum DatabaseRefresh {
    public static let keyPrefix = "database-refresh:"
}
