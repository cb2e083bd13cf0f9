import CommandLineKit
import Foundation
import Server
import SlipwayCore
import Store

/// `slipway deliveries list|show|replay`: inspect and recover the webhook journal.
enum DeliveriesCommand {
    static var command: Command {
        Command(name: "deliveries", abstract: "Inspect and replay journaled webhook deliveries.", subcommands: [
            list, show, replay,
        ])
    }

    static let stateSpecs = ConfigOption.stateOptions.map(\.spec)

    static var list: Command {
        Command(
            name: "list", abstract: "List the newest deliveries and what became of them.",
            options: stateSpecs + [
                .option("limit", value: "N", help: "How many deliveries to show.", default: "50"),
                .flag("json", help: "Print JSON (one array) instead of a table."),
            ]
        ) { arguments, io in
            guard let limit = Int(arguments.value("limit") ?? "50"), limit > 0 else {
                throw UsageError("--limit must be a positive number")
            }
            let store = try openStore(arguments)
            let records = try store.deliveries(limit: limit)
            if arguments.flag("json") {
                io.out.write(try json(records.map(summary)) + "\n")
                return 0
            }
            if records.isEmpty {
                io.out.write("no deliveries journaled\n")
                return 0
            }
            var rows = [["DELIVERY", "EVENT", "ACTION", "STATUS", "RECEIVED", "REASON"]]
            for record in records {
                rows.append([record.id, record.event, record.action ?? "-", record.status.rawValue,
                             iso(record.receivedAt), record.reason ?? ""])
            }
            io.out.write(Table.render(rows))
            return 0
        }
    }

    static var show: Command {
        Command(
            name: "show", abstract: "Show one delivery: its headers, payload and outcome (secrets and token-shaped strings redacted).",
            options: stateSpecs + [ConfigOption.webhookSecretFile.spec, .flag("json", help: "Print JSON.")],
            positionals: [PositionalSpec("id", help: "The X-GitHub-Delivery id.")]
        ) { arguments, io in
            let id = arguments.positional(0) ?? ""
            let (store, redactor) = try openStoreAndRedactor(arguments)
            guard let record = try store.delivery(id: id) else {
                throw CommandFailure("no delivery with id '\(id)' in the journal")
            }
            var object = summary(record)
            object["headers"] = record.headers
            let payload = WebhookBody.payload(contentType: record.contentType, body: record.body)
            if case .success(let data) = payload, let parsed = try? JSONSerialization.jsonObject(with: data) {
                object["payload"] = parsed
            } else {
                object["payload_text"] = String(decoding: record.body, as: UTF8.self)
            }
            if arguments.flag("json") {
                io.out.write(redactor.redact(try json(object)) + "\n")
                return 0
            }
            var text = "delivery  \(record.id)\nevent     \(record.event)\(record.action.map { " (\($0))" } ?? "")\n"
            text += "status    \(record.status.rawValue)\(record.reason.map { ": \($0)" } ?? "")\n"
            if let path = record.fieldPath, !path.isEmpty { text += "field     \(path)\n" }
            text += "received  \(iso(record.receivedAt))\nattempts  \(record.attempts)  replays \(record.replays)\n"
            text += "\nheaders:\n"
            for (name, value) in record.headers.sorted(by: { $0.key < $1.key }) { text += "  \(name): \(value)\n" }
            text += "\npayload (\(record.bodySize) bytes):\n"
            if let parsed = object["payload"] {
                text += try json(parsed) + "\n"
            } else {
                text += String(decoding: record.body, as: UTF8.self) + "\n"
            }
            io.out.write(redactor.redact(text))
            return 0
        }
    }

    static var replay: Command {
        Command(
            name: "replay", abstract: "Queue a journaled delivery to be processed again by a running bot.",
            options: stateSpecs,
            positionals: [PositionalSpec("id", help: "The X-GitHub-Delivery id.")]
        ) { arguments, io in
            let id = arguments.positional(0) ?? ""
            let store = try openStore(arguments)
            guard try store.replayDelivery(id: id) else {
                throw CommandFailure("no delivery with id '\(id)' in the journal")
            }
            io.out.write("delivery \(id) queued for processing again\n")
            return 0
        }
    }

    static func openStore(_ arguments: ParsedArguments) throws -> any Store {
        try openStoreAndRedactor(arguments).0
    }

    static func openStoreAndRedactor(_ arguments: ParsedArguments) throws -> (any Store, Redactor) {
        let source = try ConfigLoading.source(arguments, options: ConfigOption.stateOptions + [.webhookSecretFile])
        let configuration: BotConfiguration
        do {
            configuration = try BotConfiguration.resolve(source, requireSecret: false)
        } catch let error as ConfigError {
            throw CommandFailure(error.message)
        }
        // Token shapes too: a journaled payload may carry a GitHub token or JWT that no secret
        // file here names (or the command runs without the secret files at all).
        var redactor = Redactor(redactTokenShapes: true)
        redactor.add(String(decoding: configuration.webhookSecret, as: UTF8.self))
        if case .token(let token)? = configuration.forge.credentials { redactor.add(token) }
        if case .sqlite(let path, _) = configuration.store, !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("no state store at \(path): start `slipway serve` first, or pass --store / --work-dir")
        }
        do {
            return (try configuration.store.open(), redactor)
        } catch {
            throw CommandFailure("cannot open the store \(configuration.store): \(error)")
        }
    }

    static func summary(_ record: DeliveryRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": record.id, "event": record.event, "status": record.status.rawValue,
            "received_at": iso(record.receivedAt), "attempts": record.attempts, "replays": record.replays,
            "body_size": record.bodySize,
        ]
        if let action = record.action { object["action"] = action }
        if let reason = record.reason { object["reason"] = reason }
        if let path = record.fieldPath { object["field_path"] = path }
        if let finished = record.finishedAt { object["finished_at"] = iso(finished) }
        return object
    }

    static func json(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}

/// Plain text tables with aligned columns.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = first.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
