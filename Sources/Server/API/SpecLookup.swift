import Foundation
import Git
import Reconcile
import SlipwayCore
import Store

/// An environment's spec as it was read for its current deploy (at its `spec_sha`), cached by
/// commit and file with a bound, for the API and the dashboard.
final class SpecLookup: @unchecked Sendable {
    let repository: ManagedRepository?
    private let lock = NSLock()
    private var cache: [String: EnvironmentSpec?] = [:]
    private var order: [String] = []
    static let limit = 256

    init(repository: ManagedRepository?) {
        self.repository = repository
    }

    func spec(_ record: EnvironmentRecord) -> EnvironmentSpec? {
        guard let repository else { return nil }
        let commit = record.specSHA ?? record.sha
        let key = commit + ":" + record.specFile
        lock.lock()
        if let cached = cache[key] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let spec: EnvironmentSpec? = try? repository.withRepository { repo in
            guard case .specs(let specs) = try DesiredStateReader().specs(repo, at: commit) else { return nil }
            return specs.first { $0.spec.file == record.specFile }?.spec
        }
        lock.lock()
        defer { lock.unlock() }
        if cache[key] == nil {
            cache[key] = .some(spec)
            order.append(key)
            if order.count > Self.limit { cache.removeValue(forKey: order.removeFirst()) }
        }
        return spec
    }
}
