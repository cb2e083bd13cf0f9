import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files of one environment under `<work-dir>/envs/<name>/`:
///
/// - `checkout-a/`, `checkout-b/`: two checkout slots; a build uses the slot the live app does
///   not run from, so a failed build or health check never disturbs the running version;
/// - `home/`: the children's `HOME`;
/// - `logs/<job>-<step>.log`: redacted step logs (bounded: head and tail); `app.log`: the
///   redacted output of the version deployed last (rotated at each deploy and by size, the
///   previous one kept as `app.log.1`);
/// - `app-<slot>.fifo`: the app's stdout and stderr (a FIFO, so the app never writes to a dead pipe
///   while the bot restarts);
/// - `live.json`: the version that serves (slot, port, pid, start time);
/// - `orphans`: pids and start times of children started but not yet recorded in the store
///   (builds, candidates under health check), killed at the next start after a crash.
struct EnvironmentWorkspace: Sendable {
    let root: String

    init(workDir: String, environment: String) {
        root = (workDir as NSString).appendingPathComponent("envs/\(environment)")
    }

    static let slots = ["checkout-a", "checkout-b"]

    func path(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }
    var home: String { path("home") }
    var logs: String { path("logs") }
    var appLog: String { path("app.log") }
    /// The app's output FIFO for a checkout slot (old and new versions overlap during a swap).
    func fifo(slot: String) -> String { path("app-\(slot).fifo") }
    var liveFile: String { path("live.json") }
    var orphansFile: String { path("orphans") }

    func prepare() throws(RunnerError) {
        do {
            for directory in [root, home, logs] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        } catch {
            throw RunnerError("cannot create \(root): \(error.localizedDescription)")
        }
    }

    /// The slot a new build goes into: the one the live version does not use.
    func buildSlot() -> String {
        let live = readLive()?.slot
        return Self.slots.first { $0 != live } ?? Self.slots[0]
    }

    /// Creates the FIFO for the app's output if missing.
    func makeFIFO(slot: String) throws(RunnerError) -> String {
        let fifo = fifo(slot: slot)
        if FileManager.default.fileExists(atPath: fifo) { return fifo }
        guard mkfifo(fifo, 0o600) == 0 else { throw RunnerError.system("mkfifo", errno, fifo) }
        return fifo
    }

    /// A new version starts a new `app.log`; the previous one becomes `app.log.1` (replacing
    /// the one before). An old version still running keeps writing to its file, now `app.log.1`.
    func rotateAppLog() {
        if FileManager.default.fileExists(atPath: appLog) { rename(appLog, appLog + ".1") }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: The live version

    struct Live: Codable, Sendable, Equatable {
        var sha: String
        var contentID: String
        var specFile: String
        var slot: String
        var port: Int
        var pid: Int32
        var processStart: UInt64
    }

    func readLive() -> Live? {
        guard let data = FileManager.default.contents(atPath: liveFile) else { return nil }
        return try? JSONDecoder().decode(Live.self, from: data)
    }

    func writeLive(_ live: Live?) {
        guard let live else {
            try? FileManager.default.removeItem(atPath: liveFile)
            return
        }
        if let data = try? JSONEncoder().encode(live) {
            try? data.write(to: URL(fileURLWithPath: liveFile), options: .atomic)
        }
    }

    // MARK: Children not yet recorded

    func addOrphan(pid: pid_t) {
        guard let stat = ProcStat.read(pid) else { return }
        let line = "\(pid) \(stat.startTime)\n"
        if let handle = FileHandle(forWritingAtPath: orphansFile) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            handle.closeFile()
        } else {
            _ = FileManager.default.createFile(atPath: orphansFile, contents: Data(line.utf8))
        }
    }

    func clearOrphans() {
        try? FileManager.default.removeItem(atPath: orphansFile)
    }

    /// Stops every recorded child that still runs as the same process (pid and start time).
    /// Returns how many were stopped.
    @discardableResult
    func killOrphans(grace: TimeInterval) -> Int {
        guard let data = FileManager.default.contents(atPath: orphansFile) else { return 0 }
        var count = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { continue }
            if ProcStat.matches(pid: pid, startTime: start) {
                ProcessGroup(id: pid).terminate(grace: grace)
                count += 1
            }
        }
        clearOrphans()
        return count
    }
}
