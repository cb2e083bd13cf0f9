/// A container health check (Docker's `HEALTHCHECK`), for containers and service tasks.
public struct HealthCheck: Sendable, Equatable {
    /// The test: `["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/"]` or `["CMD-SHELL", "..."]`;
    /// `["NONE"]` disables the image's check.
    public var test: [String]
    /// Seconds between checks, per check, and the grace period after start.
    public var interval: Double
    public var timeout: Double
    public var startPeriod: Double
    /// Consecutive failures that make the container unhealthy.
    public var retries: Int

    public init(test: [String], interval: Double = 1, timeout: Double = 1, startPeriod: Double = 0, retries: Int = 3) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.retries = retries
    }

    /// Docker's `HealthConfig` (durations in nanoseconds; the daemon wants at least 1 ms).
    func body() -> [String: Any] {
        func nanoseconds(_ seconds: Double) -> Int64 { Int64((max(0.001, seconds) * 1e9).rounded()) }
        var body: [String: Any] = ["Test": test, "Interval": nanoseconds(interval), "Timeout": nanoseconds(timeout), "Retries": retries]
        if startPeriod > 0 { body["StartPeriod"] = nanoseconds(startPeriod) }
        return body
    }
}
