#if canImport(Glibc)
import Glibc
#endif

/// Whether this host can run environments in sandboxes, and why not when it cannot
/// (`Isolation.probe()`).
public struct IsolationCapability: Sendable, Equatable {
    /// True when sandboxes work here.
    public var available: Bool
    /// A sentence for operators: what works, or what is missing and how to fix it.
    public var reason: String
    /// The tools found (absolute paths), when available.
    var tools: SandboxTools?

    /// A capability as a probe found it (tests and callers that probe by other means).
    public init(available: Bool, reason: String) {
        self.available = available
        self.reason = reason
    }

    init(available: Bool, reason: String, tools: SandboxTools?) {
        self.available = available
        self.reason = reason
        self.tools = tools
    }

    public static func == (lhs: IsolationCapability, rhs: IsolationCapability) -> Bool {
        lhs.available == rhs.available && lhs.reason == rhs.reason
    }
}

/// The programs a sandbox is built from: bubblewrap for the namespaces and mounts, util-linux's
/// `prlimit` for the resource limits and `setpriv` for the switch to the environment's uid.
struct SandboxTools: Sendable, Equatable {
    var bwrap: String
    var prlimit: String
    var setpriv: String

    static let directories = ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"]

    /// The tools' paths, or the names of those missing.
    static func locate() -> Result<SandboxTools, Missing> {
        func find(_ name: String) -> String? {
            directories.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
        }
        let bwrap = find("bwrap"), prlimit = find("prlimit"), setpriv = find("setpriv")
        guard let bwrap, let prlimit, let setpriv else {
            var missing: [String] = []
            if bwrap == nil { missing.append("bwrap (Debian package bubblewrap)") }
            if prlimit == nil || setpriv == nil { missing.append("prlimit and setpriv (Debian package util-linux)") }
            return .failure(Missing(names: missing))
        }
        return .success(SandboxTools(bwrap: bwrap, prlimit: prlimit, setpriv: setpriv))
    }

    struct Missing: Error {
        var names: [String]
    }
}
