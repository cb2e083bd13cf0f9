import Foundation
import SlipwayCore
import Store

/// The runner's isolation policy applied to one environment: whether its children run in a
/// sandbox (mode, host capability, kind), as which uid, with which limits.
final class EnvironmentIsolation: @unchecked Sendable {
    let mode: IsolationMode
    let identities: IdentityAllocator
    private let configuration: RunnerConfiguration
    private let logger: Logger
    private let lock = NSLock()
    private var probed: IsolationCapability?
    private let probe: @Sendable () -> IsolationCapability

    init(configuration: RunnerConfiguration, store: any Store, logger: Logger,
         probe: @escaping @Sendable () -> IsolationCapability) {
        mode = configuration.isolation
        self.configuration = configuration
        self.logger = logger
        self.probe = probe
        identities = IdentityAllocator(store: store, base: configuration.isolationUIDBase, count: configuration.isolationUIDCount)
    }

    /// What this host can do, probed once.
    var capability: IsolationCapability {
        lock.lock()
        defer { lock.unlock() }
        if let probed { return probed }
        let result = probe()
        probed = result
        if !result.available { logger.warning("isolation unavailable", ["reason": result.reason]) }
        return result
    }

    /// The limits in force for a spec's `limits:` (the runner's defaults filled in, its maximums applied).
    func limits(_ requested: EnvironmentSpec.Limits) -> EnvironmentLimits {
        let effective = requested.filled(from: configuration.defaultLimits).capped(by: configuration.maximumLimits)
        return EnvironmentLimits(processes: effective.processes ?? 512, openFiles: effective.openFiles ?? 4096,
                                 fileSize: effective.fileSize ?? (4 << 30))
    }

    /// The sandbox the children of `environment` run in, or nil when they run unconfined (mode
    /// `none`, or a staging/production environment on a host that cannot isolate: logged).
    /// A preview on a host that cannot isolate, with the mode not explicitly `none`, throws:
    /// code under review never runs unconfined by accident. With `giving`, those directories
    /// (checkout slot, home) are handed to the environment's uid first.
    func sandbox(environment: String, kind: EnvironmentKind, limits requested: EnvironmentSpec.Limits, writable: [String],
                 giving: [String] = []) throws(RunnerError) -> Sandbox? {
        guard mode == .sandbox else { return nil }
        let capability = self.capability
        guard capability.available, let tools = capability.tools else {
            if kind == .preview {
                throw RunnerError("refusing to build a preview unconfined: \(capability.reason)")
            }
            logger.warning("running a \(kind.rawValue) environment unconfined", ["env": environment, "reason": capability.reason])
            return nil
        }
        let identity = try identities.identity(for: environment)
        for directory in giving { try OwnershipWalker.give(directory, to: identity) }
        return Sandbox(tools: tools, identity: identity, writable: writable, hidden: configuration.sandboxHiddenPaths,
                       limits: limits(requested))
    }

    /// The limits the spec asks for that this host does not enforce (memory and CPU: no cgroup
    /// support yet), for a line in the log.
    func unenforced(_ requested: EnvironmentSpec.Limits) -> [String] {
        var names: [String] = []
        if requested.memory != nil { names.append("memory") }
        if requested.cpu != nil { names.append("cpu") }
        return names
    }

    /// Frees the uid of a torn-down environment (its processes and files are gone).
    func release(_ environment: String) {
        do {
            try identities.release(environment)
        } catch {
            logger.error("could not release an environment's uid", ["env": environment, "error": error.message])
        }
    }
}
