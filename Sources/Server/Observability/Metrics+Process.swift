import Foundation

extension Metrics {
    /// The process's resident memory, from `/proc/self/statm` (nil where there is none).
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// `process_resident_memory_bytes`, Prometheus's standard name.
    static func renderProcess() -> String {
        guard let rss = residentBytes() else { return "" }
        return "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            + "# TYPE process_resident_memory_bytes gauge\n"
            + "process_resident_memory_bytes \(rss)\n"
    }
}
