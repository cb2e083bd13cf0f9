import CProcess
import Foundation

/// The bot's one malloc setting: how many arenas glibc may keep.
public enum MallocArenas {
    /// The cap `serve` sets. glibc's default (8 per core, 16 here) let the webhook handler
    /// threads, the journal indexer and the delivery workers each keep an arena of freed
    /// memory: peak RSS under a 64-connection webhook burst was 63.4 MiB with the default and
    /// 57.2 MiB with 2, at the same CPU per request (scripts/bench/ingress.sh).
    public static let serverDefault = 2

    /// Caps glibc's malloc arenas at `count`, unless the operator chose a number with
    /// `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES` (glibc has then applied it already). Call before
    /// the threads start: arenas that exist stay. Returns whether the cap was set here.
    @discardableResult
    public static func limit(to count: Int = serverDefault, environment: [String: String]? = nil) -> Bool {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if environment["MALLOC_ARENA_MAX"] != nil { return false }
        if let tunables = environment["GLIBC_TUNABLES"], tunables.contains("glibc.malloc.arena_max") { return false }
        return slipway_malloc_arena_max(Int32(clamping: max(1, count))) == 1
    }
}
