import Docker
import Foundation
import SlipwayCore
import Store

/// `mode: swarm`: the environment is a replicated Swarm service `slipway-<env>` rolled to each
/// new image (`order: start-first`, the Swarm rolls back a failed update). Each task publishes
/// the port in host mode (the routing mesh needs IPVS, see docs/docker.md); the router's
/// upstreams are the tasks' ports. A new version whose tasks do not all answer the health check
/// in time is rolled back to the previous image (or removed when there was none).
extension ContainerDriver {
    func serviceName(_ environment: String) -> String { "slipway-\(environment)" }

    func serviceSpec(_ context: DeployContext, container: EnvironmentSpec.Container, image: String) -> ServiceSpec {
        let base = containerSpec(context, container: container, image: ContainerImageUse(reference: image, id: image, built: false))
        let labels = labels(context.name, sha: context.sha, job: context.job.id)
        return ServiceSpec(
            name: serviceName(context.name), image: image, environment: base.environment, labels: labels, containerLabels: labels,
            replicas: container.replicas, port: .init(target: container.port, mode: .host), memoryBytes: base.memoryBytes,
            cpus: base.cpus, pidsLimit: base.pidsLimit, readOnlyRootFilesystem: container.readOnly, user: base.user,
            constraints: container.placement, updateOrder: .startFirst, failureAction: .rollback
        )
    }

    func deploySwarm(_ context: DeployContext, container: EnvironmentSpec.Container, image: ContainerImageUse, docker: DockerClient,
                     record: inout EnvironmentRecord, report: inout DeploymentReport) throws {
        let cancellation = context.cancellation
        let startedAt = Date()
        let name = serviceName(context.name)
        report.steps.append(.init(name: "deploy", command: "service \(name) (\(container.replicas) replicas) from \(image.reference)",
                                  exitCode: nil, startedAt: startedAt, durationSeconds: 0))
        let spec = serviceSpec(context, container: container, image: image.reference)
        let previous = try currentService(context.name, docker: docker, removingOnFailure: image)
        do {
            if let previous {
                try docker.updateService(previous.id, version: previous.version, spec)
            } else {
                _ = try docker.createService(spec)
            }
        } catch {
            if image.built { removeImage(image.reference, docker: docker) }
            throw Failure(phase: .deploy, message: "cannot \(previous == nil ? "create" : "update") the Swarm service \(name): \(error) (is the Docker host a Swarm manager? `docker swarm init`)")
        }
        setMode(.swarm, of: context.name)
        let rollBack = { [self] in self.rollBack(context.name, to: previous, spec: spec, docker: docker) }

        // Every task of this job's version runs and answers.
        let path = context.spec.health?.path ?? "/"
        let timeout = (context.spec.health?.timeout ?? configuration.defaultHealthTimeout).seconds
        let deadline = Date().addingTimeInterval(timeout)
        var upstreams: [String] = []
        var failure: String?
        while true {
            if let reason = cancellation.reason { failure = "cancelled: \(reason)"; break }
            if let service = try? docker.inspectService(name), let state = service.updateState,
               state.hasPrefix("rollback") || state == "paused" {
                failure = "the Swarm rolled the update back (\(state)): \(service.updateMessage ?? "a task failed")"
                break
            }
            if let ready = try? serviceUpstreams(context.name, job: context.job.id, docker: docker), ready.count == container.replicas {
                upstreams = ready
                break
            }
            if Date() >= deadline {
                failure = "the service's \(container.replicas) task(s) of this version were not all running within \(Duration(milliseconds: Int64(timeout * 1000)))\(taskStates(name, docker: docker))"
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        if failure == nil {
            for upstream in upstreams {
                let remaining = max(1, deadline.timeIntervalSinceNow)
                let outcome = executor.health.wait(url: "http://\(upstream)\(path)", timeout: remaining, anyStatus: context.spec.health == nil) {
                    cancellation.reason.map { "cancelled: \($0)" }
                }
                report.health += outcome.attempts
                if !outcome.healthy {
                    failure = "task at \(upstream): \(outcome.failure ?? "unhealthy")"
                    break
                }
            }
        }
        report.steps[report.steps.count - 1].durationSeconds = Date().timeIntervalSince(startedAt)
        if let failure {
            rollBack()
            throw Failure(phase: .health, message: failure, cancelled: cancellation.isCancelled)
        }
        let url: String
        do {
            url = try executor.publish(context, upstreams: upstreams, loopback: "http://\(upstreams[0])")
        } catch {
            rollBack()
            throw error
        }
        record.status = .healthy
        record.port = upstreams.first.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } }
        record.pid = nil
        record.processStart = nil
        record.url = url
        record.lastError = nil
        record.updatedAt = Date()
        executor.save(record, context.run)
        report.url = url
        report.steps[report.steps.count - 1].exitCode = 0
        // Old images go once no task uses them (a conflict leaves one for the next deploy).
        for old in (try? docker.listImages(labels: labels(context.name))) ?? [] where old.id != image.id {
            removeImage(old.id, docker: docker)
        }
    }

    /// What the service's tasks are doing (`; tasks: running, rejected: no such image`), for a failure.
    func taskStates(_ service: String, docker: DockerClient) -> String {
        guard let tasks = try? docker.listTasks(service: service), !tasks.isEmpty else { return "" }
        let states = tasks.suffix(6).map { task in task.state + (task.error.map { ": \($0)" } ?? "") }
        return "; tasks: " + states.joined(separator: ", ")
    }

    /// The environment's service, if it has one.
    private func currentService(_ environment: String, docker: DockerClient, removingOnFailure image: ContainerImageUse) throws -> ServiceDetails? {
        do {
            return try docker.listServices(labels: labels(environment)).first
        } catch {
            if image.built { removeImage(image.reference, docker: docker) }
            throw Failure(phase: .deploy, message: "cannot list the Swarm services: \(error) (is the Docker host a Swarm manager? `docker swarm init`)")
        }
    }

    /// Puts the previous image back (or removes a service this deploy created).
    private func rollBack(_ environment: String, to previous: ServiceDetails?, spec: ServiceSpec, docker: DockerClient) {
        if let previous {
            var old = spec
            old.image = previous.image
            if let current = try? docker.inspectService(previous.id) { try? docker.updateService(previous.id, version: current.version, old) }
        } else if let created = try? docker.listServices(labels: labels(environment)).first {
            try? docker.removeService(created.id)
            setMode(nil, of: environment)
        }
    }

    /// `HOST:PORT` of each running task of the environment's service (of job `job`'s version
    /// when given), sorted. Host-mode ports are on each task's node: `127.0.0.1` for this
    /// daemon's own node, the node's Swarm address (`Status.Addr`) for the others.
    func serviceUpstreams(_ environment: String, job: Int64?, docker: DockerClient) throws -> [String] {
        guard let service = try docker.listServices(labels: labels(environment)).first else { return [] }
        let localNode = try? docker.info().swarm.nodeID
        var addresses: [String: String] = [:]
        var upstreams: [String] = []
        for task in try docker.listTasks(service: service.id) where task.desiredState == "running" && task.state == "running" {
            if let job {
                guard let id = task.containerID, let details = try? docker.inspectContainer(id),
                      details.labels[Self.jobLabel] == String(job) else { continue }
            }
            // One port a task (the daemon lists it once for IPv4 and once for IPv6).
            guard let published = task.hostPorts.first(where: { $0.published != nil })?.published else { continue }
            var host = "127.0.0.1"
            if let node = task.nodeID, !node.isEmpty, node != localNode {
                if addresses[node] == nil { addresses[node] = (try? docker.inspectNode(node).address) ?? "" }
                guard let address = addresses[node], !address.isEmpty, address != "0.0.0.0" else { continue }
                host = address.contains(":") ? "[\(address)]" : address
            }
            upstreams.append("\(host):\(published)")
        }
        return upstreams.sorted()
    }
}
