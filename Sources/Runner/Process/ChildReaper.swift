import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reaps the bot's children that nobody else waits for. The bot is a child subreaper
/// (`PR_SET_CHILD_SUBREAPER`): orphaned descendants of builds and apps are reparented to it. Those
/// still in a step's or app's process group are reaped with the group; one that called `setsid`
/// left every group the runner knows and would stay a zombie for good.
///
/// Stealing an exit status is the danger of a `waitpid(-1)` loop: the runner waits for the
/// leaders it started (`StepRunner`, `AppSupervisor`, the isolation probe) with `waitpid(pid)`,
/// and other code of the process (Foundation's `Process`) waits for its own children. So the
/// reaper never calls `waitpid(-1)`; it looks for zombies among the bot's children (`/proc`) and
/// reaps one only when
/// - it is not tracked: every child `ChildCommand` starts is registered under the same lock as
///   the spawn, before it can exit, and forgotten once its owner reaped it;
/// - it is in a session other than the bot's: the runner's children all start their own session,
///   while children started by other code of the process stay in the bot's and belong to it.
final class ChildReaper: @unchecked Sendable {
    static let shared = ChildReaper()

    private let lock = NSLock()
    private var tracked = Set<pid_t>()
    private var started = false
    /// Seconds between passes.
    var interval: TimeInterval = 1

    /// Runs `body`, which starts one child and returns its pid, and tracks the pid before the
    /// reaper can look at it.
    func spawn<E: Error>(_ body: () throws(E) -> pid_t) throws(E) -> pid_t {
        lock.lock()
        defer { lock.unlock() }
        let pid = try body()
        tracked.insert(pid)
        return pid
    }

    /// `pid` was reaped by its owner.
    func forget(_ pid: pid_t) {
        lock.lock()
        tracked.remove(pid)
        lock.unlock()
    }

    /// Whether `pid` is a child some owner waits for.
    func isTracked(_ pid: pid_t) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return tracked.contains(pid)
    }

    /// Starts the reaping thread (once per process).
    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { return }
        started = true
        let thread = Thread { [self] in
            while true {
                reapOrphans()
                Thread.sleep(forTimeInterval: interval)
            }
        }
        thread.name = "slipway-reaper"
        thread.start()
    }

    /// One pass: reaps every zombie child that is neither tracked nor in the bot's session.
    /// Returns the pids reaped.
    @discardableResult
    func reapOrphans() -> [pid_t] {
        let me = getpid()
        let session = getsid(0)
        let candidates = Self.children(of: me).filter { $0.state == "Z" && $0.session != session }
        guard !candidates.isEmpty || !trackedIsEmpty else { return [] }
        lock.lock()
        defer { lock.unlock() }
        var reaped: [pid_t] = []
        for candidate in candidates where !tracked.contains(candidate.pid) {
            // Still the same zombie of ours (not reaped and reused since the scan)?
            guard let now = Self.stat(candidate.pid), now.parent == me, now.state == "Z", now.session != session else { continue }
            var status: Int32 = 0
            if waitpid(candidate.pid, &status, WNOHANG) == candidate.pid { reaped.append(candidate.pid) }
        }
        // Entries whose owner reaped them without telling (or that are no longer ours).
        tracked = tracked.filter { Self.stat($0)?.parent == me }
        return reaped
    }

    private var trackedIsEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return tracked.isEmpty
    }

    struct Entry {
        var pid: pid_t
        var state: Character
        var parent: pid_t
        var session: pid_t
    }

    /// Fields 3 (state), 4 (parent) and 6 (session) of `/proc/<pid>/stat`.
    static func stat(_ pid: pid_t) -> Entry? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 3, let state = fields[0].first, let parent = pid_t(fields[1]), let session = pid_t(fields[3]) else { return nil }
        return Entry(pid: pid, state: state, parent: parent, session: session)
    }

    /// The processes whose parent is `parent`.
    static func children(of parent: pid_t) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { pid_t($0) }.compactMap { stat($0) }.filter { $0.parent == parent }
    }
}
