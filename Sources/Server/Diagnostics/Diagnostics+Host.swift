import Data
import Foundation
import HTTPClient
import Router
import Runner
import SlipwayCore
import Store

extension Diagnostics {
    // MARK: Drivers

    func driverChecks() -> [DiagnosticCheck] {
        var checks = [check("drivers.isolation", "drivers") {
            switch configuration.isolation {
            case .none:
                return .warn("isolation is off (--isolation none): builds and apps run unconfined, as the bot's user",
                             fix: "run the bot as root with bubblewrap installed (scripts/install-deps.sh) and drop --isolation none")
            case .sandbox:
                let capability = isolationProbe()
                guard capability.available else {
                    return .fail(capability.reason,
                                 fix: "install bubblewrap (scripts/install-deps.sh) and run the bot as root, or accept running unconfined with --isolation none")
                }
                return .pass("builds and apps run sandboxed (own uid, namespaces, limits)")
            }
        }]
        // Docker has no settings of the bot yet: nothing to check for it.
        if let admin = configuration.data.admin {
            checks.append(check("drivers.database", "drivers") { databaseFinding(admin) })
        }
        if configuration.router.kind == .caddy, let endpoint = configuration.router.caddyAdmin {
            checks.append(check("drivers.caddy", "drivers") { caddyFinding(endpoint) })
        }
        return checks
    }

    /// `--router caddy`: Caddy's admin API answers `GET /config/` (it has no authentication,
    /// which is why Slipway only talks to it on loopback or a Unix socket).
    func caddyFinding(_ endpoint: CaddyAdminEndpoint) -> Finding {
        let request = HTTPClientRequest(method: "GET", url: endpoint.baseURL + "/config/", connectTimeout: min(2, thresholds.probeTimeout),
                                        timeout: thresholds.probeTimeout, maxResponseBytes: 4 << 20, unixSocketPath: endpoint.unixSocketPath)
        let fix = "start Caddy (`systemctl start caddy`) with its admin API at \(endpoint) (`admin` in the Caddyfile), or fix --caddy-admin"
        do {
            let response = try HTTPClient(followRedirects: false, userAgent: "slipway-diag").send(request)
            guard response.status == 200 else {
                return .fail("\(endpoint) answered GET /config/ with \(response.status): it is not Caddy's admin API, or refuses it", fix: fix)
            }
            return .pass("Caddy's admin API answers at \(endpoint)")
        } catch {
            return .fail("Caddy's admin API at \(endpoint) does not answer: \(error)", fix: fix)
        }
    }

    func databaseFinding(_ admin: Grant.Source) -> Finding {
        let conninfo: String
        do {
            conninfo = try DataSettings.read(admin, what: "databases.admin")
        } catch {
            return .fail("\(error)", fix: "make databases.admin (--database-admin) name a readable file or a set environment variable")
        }
        var redactor = self.redactor
        redactor.add(conninfo)
        let server = DataServer(admin: conninfo, production: nil, toolsDirectory: configuration.data.tools,
                                workDirectory: configuration.workDir + "/data")
        do {
            let probe = try server.probe()
            guard let pgDump = probe.pgDump else {
                return .fail("PostgreSQL \(probe.serverVersion) answers, but no pg_dump is installed: snapshots cannot be made",
                             fix: "install postgresql-client-\(probe.serverMajor) (or newer), or set --database-tools to its bin directory")
            }
            return .pass("PostgreSQL \(probe.serverVersion) answers the admin connection; pg_dump at \(pgDump)")
        } catch {
            return .fail(redactor.redact("\(error)"),
                         fix: "check databases.admin's host, port, role and password, and that the server runs and accepts this host")
        }
    }

    // MARK: Disk

    func diskCheck() -> DiagnosticCheck {
        check("disk.work-dir", "disk") {
            let path = configuration.workDir
            let space: DiskSpace
            do {
                space = try diskSpace(path)
            } catch {
                return .fail("cannot measure the free space at \(path): \(error)", fix: "check --work-dir exists and is readable")
            }
            let percent = String(format: "%.1f", space.fractionAvailable * 100)
            let summary = "\(Self.bytes(space.availableBytes)) free of \(Self.bytes(space.totalBytes)) (\(percent) %) at \(path)"
            let fix = "free space on the disk of \(path) (old images, logs, build caches), or move --work-dir to a bigger disk"
            if space.availableBytes < thresholds.diskFailBytes || space.fractionAvailable < thresholds.diskFailFraction {
                return .fail("only \(summary): builds, logs and the store will fail", fix: fix)
            }
            if space.availableBytes < thresholds.diskWarnBytes || space.fractionAvailable < thresholds.diskWarnFraction {
                return .warn("only \(summary)", fix: fix)
            }
            return .pass(summary)
        }
    }

    // MARK: Environments

    func environmentChecks() -> [DiagnosticCheck] {
        guard let store = parts.store else { return [] }
        let live: [EnvironmentRecord]
        do {
            live = try store.environments().filter { $0.status.isLive }.sorted { $0.name < $1.name }
        } catch {
            return [check("environments", "environments") {
                .fail("cannot read the environments: \(error)", fix: "check the store (see store.latency)")
            }]
        }
        guard !live.isEmpty else {
            return [check("environments", "environments") { .pass("no live environments") }]
        }
        var checks = live.prefix(thresholds.maxEnvironments).map { environment in
            check("environment.\(environment.name)", "environments") { environmentFinding(environment) }
        }
        if live.count > thresholds.maxEnvironments {
            checks.append(check("environments", "environments") {
                .warn("\(live.count - thresholds.maxEnvironments) more live environments were not checked",
                      fix: "tear down previews that are no longer needed (`slipway env teardown NAME`)")
            })
        }
        return checks
    }

    func environmentFinding(_ environment: EnvironmentRecord) -> Finding {
        let name = environment.name
        let sha = String(environment.sha.prefix(7))
        switch environment.status {
        case .failed:
            return .fail("\(name) failed at \(sha): \(environment.lastError ?? "no error recorded")",
                         fix: "read `slipway env show \(name)` and `slipway env logs \(name)`; push a fix, or `slipway env rollback \(name)`")
        case .queued, .building, .deploying:
            return .pass("\(name) is \(environment.status.rawValue) at \(sha)")
        case .tornDown:
            return .pass("\(name) is torn down")
        case .healthy:
            guard let url = environment.url else { return .pass("\(name) is healthy at \(sha) (no URL)") }
            let started = Date()
            let request = HTTPClientRequest(method: "GET", url: url, connectTimeout: min(2, thresholds.probeTimeout),
                                            timeout: thresholds.probeTimeout, maxResponseBytes: 64 * 1024)
            do {
                let response = try HTTPClient(followRedirects: false, userAgent: "slipway-diag").send(request)
                let figure = String(format: "%.0f ms", Date().timeIntervalSince(started) * 1000)
                guard response.status < 500 else {
                    return .fail("\(name) is recorded healthy but \(url) answered \(response.status)",
                                 fix: "read `slipway env logs \(name)`; redeploy it with `slipway env deploy \(name)`")
                }
                return .pass("\(name) is healthy at \(sha); \(url) answered \(response.status) in \(figure)")
            } catch {
                return .fail("\(name) is recorded healthy but \(url) does not answer: \(error)",
                             fix: "check its process (`slipway env show \(name)`) and `slipway env logs \(name)`; a running serve restarts it")
            }
        }
    }
}
