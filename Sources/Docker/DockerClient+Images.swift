public import Foundation

extension DockerClient {
    /// `POST /build` with the classic builder (`version=1`; BuildKit needs a session this client
    /// does not speak): builds `context` (a tar, e.g. from `TarArchive`) with `dockerfile` (a path
    /// inside it), tags it with each of `tags` and labels it with `labels`. Each line of the
    /// build's output goes to `onOutput` as it arrives (no trailing newline). Returns the image id
    /// (`sha256:...`). `target` builds up to that stage of a multi-stage Dockerfile;
    /// `buildArguments` set its `ARG`s; `networkMode` is the network of its `RUN` steps (`host`,
    /// `none`; nil: the daemon's default bridge).
    ///
    /// A failing step is a `.buildFailed` error with the daemon's message (e.g. `The command
    /// '/bin/sh -c false' returned a non-zero code: 1`); a bad request (no such Dockerfile, bad
    /// tag) is a `.daemon` error. `timeout` bounds the whole build. `cancelled` is asked at each
    /// line of output: a reason stops the transfer (the daemon stops a build whose client went
    /// away) with a `.cancelled` error.
    public func buildImage(
        context: Data, tags: [String], dockerfile: String = "Dockerfile", labels: [String: String] = [:],
        target: String? = nil, buildArguments: [String: String] = [:], networkMode: String? = nil,
        noCache: Bool = false, timeout: Double = 1800, onOutput: (String) -> Void = { _ in }, cancelled: () -> String? = { nil }
    ) throws(DockerError) -> String {
        let operation = "build image \(tags.first ?? "(untagged)")"
        var query: [(String, String)] = tags.map { ("t", $0) }
        query += [("dockerfile", dockerfile), ("rm", "1"), ("forcerm", "1"), ("version", "1")]
        if noCache { query.append(("nocache", "1")) }
        if !labels.isEmpty { query.append(("labels", String(decoding: Self.json(labels), as: UTF8.self))) }
        if let target { query.append(("target", target)) }
        if !buildArguments.isEmpty { query.append(("buildargs", String(decoding: Self.json(buildArguments), as: UTF8.self))) }
        if let networkMode { query.append(("networkmode", networkMode)) }
        let request = request("POST", "/build", query: query, body: context, contentType: "application/x-tar", timeout: timeout)

        var imageID: String?
        var lastLines: [String] = []
        // `stream` texts are pieces of output: a line may come in several, its newline alone.
        var pending = ""
        func emit(_ line: String) {
            onOutput(line)
            lastLines = Array((lastLines + [line]).suffix(5))
        }
        try streamJSON(request, operation) { object throws(DockerError) in
            if let reason = cancelled() {
                if !pending.isEmpty { emit(pending) }
                throw DockerError(.cancelled, operation, message: reason)
            }
            if let message = Self.streamError(object) {
                if !pending.isEmpty { emit(pending) }
                throw DockerError(.buildFailed, operation, message: message)
            }
            if let aux = object["aux"] as? [String: Any], let id = aux["ID"] as? String {
                imageID = id
            }
            for key in ["stream", "status"] {
                guard let text = object[key] as? String else { continue }
                pending += key == "status" && !text.hasSuffix("\n") ? text + "\n" : text
                while let newline = pending.firstIndex(of: "\n") {
                    emit(String(pending[..<newline]))
                    pending.removeSubrange(...newline)
                }
                // A line without an end cannot grow without bound.
                if pending.utf8.count > 64 * 1024 {
                    emit(pending)
                    pending = ""
                }
            }
        }
        if !pending.isEmpty { emit(pending) }
        if let imageID { return imageID }
        // An older daemon may not send the aux id: read it from the first tag.
        if let tag = tags.first { return try inspectImage(tag).id }
        throw DockerError(.invalidResponse, operation, message: "the build finished without an image id; last output: \(lastLines.joined(separator: " / "))")
    }

    /// `POST /images/create?fromSrc=-`: makes an image from a root file system tar (no registry
    /// involved), tagged `repository:tag`. `changes` are Dockerfile instructions applied to it
    /// (`CMD ["httpd"]`, `LABEL k=v`, `ENV`, `EXPOSE`, `USER`, `WORKDIR`, `ENTRYPOINT`).
    /// Returns the image id.
    public func importImage(
        rootFilesystem: Data, repository: String, tag: String = "latest", changes: [String] = [], timeout: Double = 600
    ) throws(DockerError) -> String {
        let operation = "import image \(repository):\(tag)"
        var query: [(String, String)] = [("fromSrc", "-"), ("repo", repository), ("tag", tag)]
        query += changes.map { ("changes", $0) }
        let request = request("POST", "/images/create", query: query, body: rootFilesystem, contentType: "application/x-tar", timeout: timeout)
        var imageID: String?
        try streamJSON(request, operation) { object throws(DockerError) in
            if let message = Self.streamError(object) {
                throw DockerError(.buildFailed, operation, message: message)
            }
            if let status = object["status"] as? String, status.hasPrefix("sha256:") {
                imageID = status
            }
        }
        if let imageID { return imageID }
        return try inspectImage("\(repository):\(tag)").id
    }

    /// `POST /images/create?fromImage=`: pulls `reference` (`name[:tag]` or `name@sha256:…`; the
    /// tag defaults to `latest`) from its registry, anonymously. Returns the image id.
    @discardableResult
    public func pullImage(_ reference: String, timeout: Double = 1800) throws(DockerError) -> String {
        let operation = "pull image \(reference)"
        _ = try Self.checkReference(reference, operation)
        var name = reference
        var tag = "latest"
        if let at = reference.firstIndex(of: "@") {
            name = String(reference[..<at])
            tag = String(reference[reference.index(after: at)...])
        } else if let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") {
            name = String(reference[..<colon])
            tag = String(reference[reference.index(after: colon)...])
        }
        let request = request("POST", "/images/create", query: [("fromImage", name), ("tag", tag)], timeout: timeout)
        try streamJSON(request, operation) { object throws(DockerError) in
            if let message = Self.streamError(object) {
                throw DockerError(.daemon, operation, message: message)
            }
        }
        return try inspectImage(reference).id
    }

    /// `GET /images/{name}/json`. A missing image is a `.daemon` error with `isNotFound`.
    public func inspectImage(_ reference: String) throws(DockerError) -> ImageDetails {
        let operation = "inspect image \(reference)"
        let path = try Self.checkReference(reference, operation)
        return try sendDecoding(ImageDetails.self, request("GET", "/images/\(path)/json"), operation)
    }

    /// `DELETE /images/{name}`: untags and removes the image (`force` also when containers use
    /// it). Returns what the daemon reports (`Untagged`/`Deleted` entries).
    @discardableResult
    public func removeImage(_ reference: String, force: Bool = false) throws(DockerError) -> [ImageRemoval] {
        let operation = "remove image \(reference)"
        let path = try Self.checkReference(reference, operation)
        return try sendDecoding([ImageRemoval].self, request("DELETE", "/images/\(path)", query: [("force", force ? "1" : "0")]), operation)
    }

    /// `GET /images/json` filtered by labels (`key=value`, or `key` alone when the value is
    /// empty; all must match).
    public func listImages(labels: [String: String] = [:]) throws(DockerError) -> [ImageSummary] {
        try sendDecoding([ImageSummary].self, request("GET", "/images/json", query: Self.labelFilter(labels)), "list images")
    }

    /// The message of a progress-stream error line (`{"error": ..., "errorDetail": {...}}`).
    static func streamError(_ object: [String: Any]) -> String? {
        if let detail = object["errorDetail"] as? [String: Any], let message = detail["message"] as? String, !message.isEmpty {
            return message
        }
        if let message = object["error"] as? String, !message.isEmpty { return message }
        return nil
    }
}
