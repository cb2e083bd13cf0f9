import Docker
import Foundation
import SlipwayCore
import Store

/// At the bot's start: the containers and services labelled with this instance are matched to
/// the environments the store knows. The one serving an environment (published on the record's
/// port) is adopted (started again if it stopped); candidates of interrupted deploys, old
/// versions not yet retired, and everything of environments torn down or unknown are removed,
/// with their images.
extension ContainerDriver {
    func adopt(_ records: [EnvironmentRecord]) {
        guard configuration.docker != nil, let docker = try? client(phase: .deploy) else { return }
        let active = Dictionary(records.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let mine = [Self.instanceLabel: instance]
        let containers: [ContainerSummary]
        do {
            containers = try docker.listContainers(labels: mine)
        } catch {
            logger.info("no container adopted: the Docker daemon did not answer", ["docker": "\(docker.host)", "error": "\(error)"])
            return
        }
        let services = (try? docker.listServices(labels: mine)) ?? []
        var serving = Set<String>()
        for service in services {
            guard let environment = service.labels[Self.environmentLabel] else { continue }
            if active[environment] == nil {
                logger.warning("removing the Swarm service of an environment that no longer exists", ["env": environment, "service": service.name])
                try? docker.removeService(service.id)
            } else {
                setMode(.swarm, of: environment)
            }
        }
        let swarmTasks = Set(services.compactMap { $0.labels[Self.environmentLabel] })
        for container in containers {
            guard let environment = container.labels[Self.environmentLabel] else { continue }
            // A Swarm task's container is the Swarm's.
            if swarmTasks.contains(environment) && container.labels["com.docker.swarm.service.id"] != nil { continue }
            guard let record = active[environment] else {
                logger.warning("removing the container of an environment that no longer exists", ["env": environment, "container": String(container.id.prefix(12))])
                try? docker.removeContainer(container.id, force: true)
                continue
            }
            let details = try? docker.inspectContainer(container.id)
            let published = details?.ports.values.flatMap { $0 }.map(\.hostPort) ?? []
            if let port = record.port, record.pid == nil, published.contains(port), !serving.contains(environment) {
                serving.insert(environment)
                setMode(.single, of: environment)
                if container.state != "running" {
                    do {
                        try docker.startContainer(container.id)
                        logger.warning("the container had stopped while the bot was down; started it again", ["env": environment])
                    } catch {
                        logger.error("could not start an adopted container", ["env": environment, "error": "\(error)"])
                    }
                } else {
                    logger.info("adopted a running container", ["env": environment, "container": String(container.id.prefix(12)), "port": "\(port)"])
                }
            } else {
                logger.warning("removing a container left by an interrupted deploy", ["env": environment, "container": String(container.id.prefix(12))])
                try? docker.removeContainer(container.id, force: true)
            }
        }
        // Images no kept container or service uses.
        let used = Set(((try? docker.listContainers(labels: mine)) ?? []).map(\.imageID))
        for image in (try? docker.listImages(labels: mine)) ?? [] where !used.contains(image.id) {
            let environment = image.labels[Self.environmentLabel] ?? ""
            if active[environment] == nil || !swarmTasks.contains(environment) {
                removeImage(image.id, docker: docker)
            }
        }
    }
}
