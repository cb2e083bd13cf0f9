import Foundation

extension EnvironmentSpec {
    /// What the spec's `limits:` section asks for. Every field is optional: an unset one takes the
    /// runner's default, and every value is capped by the runner's maximum (the code under review
    /// writes this section, so it never raises a limit beyond what the operator allows).
    public struct Limits: Sendable, Equatable {
        /// Processes (and threads) of the environment's uid at once (RLIMIT_NPROC).
        public var processes: Int?
        /// Open file descriptors per process (RLIMIT_NOFILE).
        public var openFiles: Int?
        /// Largest file a process may write, in bytes (RLIMIT_FSIZE).
        public var fileSize: Int64?
        /// Memory of the environment, in bytes (cgroup v2 `memory.max`, where available).
        public var memory: Int64?
        /// CPUs the environment may use (cgroup v2 `cpu.max`, where available), e.g. 0.5 or 2.
        public var cpu: Double?

        public init(processes: Int? = nil, openFiles: Int? = nil, fileSize: Int64? = nil, memory: Int64? = nil, cpu: Double? = nil) {
            self.processes = processes
            self.openFiles = openFiles
            self.fileSize = fileSize
            self.memory = memory
            self.cpu = cpu
        }

        /// `other`'s values where this one has none.
        public func filled(from other: Limits) -> Limits {
            Limits(processes: processes ?? other.processes, openFiles: openFiles ?? other.openFiles,
                   fileSize: fileSize ?? other.fileSize, memory: memory ?? other.memory, cpu: cpu ?? other.cpu)
        }

        /// Each value at most `maximum`'s (where `maximum` sets one).
        public func capped(by maximum: Limits) -> Limits {
            func cap<T: Comparable>(_ value: T?, _ limit: T?) -> T? {
                guard let value else { return limit }
                guard let limit else { return value }
                return min(value, limit)
            }
            return Limits(processes: cap(processes, maximum.processes), openFiles: cap(openFiles, maximum.openFiles),
                          fileSize: cap(fileSize, maximum.fileSize), memory: cap(memory, maximum.memory), cpu: cap(cpu, maximum.cpu))
        }

        /// Parses a size such as `4096`, `512k`, `512m`, `1g` or `2t` (powers of 1024; a trailing
        /// `b` or `ib` is allowed: `512MiB`). Nil when it is not one.
        public static func bytes(parsing text: String) -> Int64? {
            var digits = text.lowercased().trimmingCharacters(in: .whitespaces)
            if digits.hasSuffix("ib") { digits.removeLast(2) } else if digits.hasSuffix("b") { digits.removeLast() }
            var multiplier: Int64 = 1
            if let unit = digits.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4][unit] {
                multiplier = Int64(1) << (10 * power)
                digits.removeLast()
            }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int64(digits), value > 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
    }
}
