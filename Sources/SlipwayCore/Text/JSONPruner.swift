public import Foundation

/// Copies only the selected fields of a JSON document into a small new document, so that a
/// decoder reads a few hundred bytes instead of a 28 KB webhook body.
///
/// Every selected member is copied in place and in order (duplicates included), with its key and
/// its value's bytes exactly as they were (escapes, number spelling), so decoding the pruned
/// document gives what decoding the whole one would — the same values and, for a value of the
/// wrong type, the same error at the same coding path. Everything not selected is skipped by the
/// syntax scanner without building a value.
///
/// The input must already be valid JSON (`JSONSyntax.valueProblem` is nil): `prune` then never
/// fails on it; on anything else it answers `nil`. Pure; safe from several threads.
public enum JSONPruner {
    /// What to keep of a value.
    public indirect enum Selection: Sendable, Equatable {
        /// The whole value, whatever it is.
        case value
        /// The named members of an object (a value of another type is kept whole).
        case object([String: Selection])
        /// Each element of an array, pruned by the element selection (a value of another type
        /// is kept whole).
        case array(Selection)
    }

    /// The pruned copy of `data`, or `nil` when `data` is not valid JSON.
    public static func prune(_ data: Data, keeping selection: Selection) -> Data? {
        data.withUnsafeBytes { raw -> Data? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var pruner = Walker(scanner: JSONSyntax.Scanner(bytes: bytes))
            pruner.output.reserveCapacity(1024)
            pruner.scanner.skipSpace()
            guard pruner.copy(selection, depth: 0) else { return nil }
            pruner.scanner.skipSpace()
            guard pruner.scanner.index == bytes.count else { return nil }
            return Data(pruner.output)
        }
    }

    struct Walker {
        var scanner: JSONSyntax.Scanner
        var output: [UInt8] = []

        /// Copies the value at the scanner, pruned by `selection`. False on invalid JSON.
        mutating func copy(_ selection: Selection, depth: Int) -> Bool {
            guard depth < JSONSyntax.maximumDepth, let byte = scanner.peek else { return false }
            switch (selection, byte) {
            case (.object(let members), UInt8(ascii: "{")):
                return copyObject(members, depth: depth)
            case (.array(let element), UInt8(ascii: "[")):
                return copyArray(element, depth: depth)
            default:
                return copyWhole()
            }
        }

        /// Copies one value's bytes as they are.
        mutating func copyWhole() -> Bool {
            let start = scanner.index
            guard scanner.value() == nil else { return false }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: scanner.bytes[start..<scanner.index]))
            return true
        }

        mutating func copyObject(_ members: [String: Selection], depth: Int) -> Bool {
            scanner.index += 1 // {
            output.append(UInt8(ascii: "{"))
            var first = true
            scanner.skipSpace()
            if scanner.peek == UInt8(ascii: "}") {
                scanner.index += 1
                output.append(UInt8(ascii: "}"))
                return true
            }
            while true {
                scanner.skipSpace()
                guard scanner.peek == UInt8(ascii: "\"") else { return false }
                let keyStart = scanner.index
                guard scanner.string() == nil else { return false }
                let rawKey = UnsafeBufferPointer(rebasing: scanner.bytes[keyStart..<scanner.index])
                scanner.skipSpace()
                guard scanner.peek == UInt8(ascii: ":") else { return false }
                scanner.index += 1
                scanner.skipSpace()
                if let wanted = Self.name(rawKey).flatMap({ members[$0] }) {
                    if !first { output.append(UInt8(ascii: ",")) }
                    first = false
                    output.append(contentsOf: rawKey)
                    output.append(UInt8(ascii: ":"))
                    guard copy(wanted, depth: depth + 1) else { return false }
                } else {
                    guard scanner.value() == nil else { return false }
                }
                scanner.skipSpace()
                switch scanner.peek {
                case UInt8(ascii: ","):
                    scanner.index += 1
                case UInt8(ascii: "}"):
                    scanner.index += 1
                    output.append(UInt8(ascii: "}"))
                    return true
                default:
                    return false
                }
            }
        }

        mutating func copyArray(_ element: Selection, depth: Int) -> Bool {
            scanner.index += 1 // [
            output.append(UInt8(ascii: "["))
            scanner.skipSpace()
            if scanner.peek == UInt8(ascii: "]") {
                scanner.index += 1
                output.append(UInt8(ascii: "]"))
                return true
            }
            var first = true
            while true {
                scanner.skipSpace()
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                guard copy(element, depth: depth + 1) else { return false }
                scanner.skipSpace()
                switch scanner.peek {
                case UInt8(ascii: ","):
                    scanner.index += 1
                case UInt8(ascii: "]"):
                    scanner.index += 1
                    output.append(UInt8(ascii: "]"))
                    return true
                default:
                    return false
                }
            }
        }

        /// The key a quoted JSON string denotes: the bytes between the quotes when there is no
        /// escape (every key GitHub sends), otherwise decoded (`"actio\u006e"` is `action`).
        static func name(_ quoted: UnsafeBufferPointer<UInt8>) -> String? {
            let inner = UnsafeBufferPointer(rebasing: quoted[(quoted.startIndex + 1)..<(quoted.endIndex - 1)])
            if !inner.contains(UInt8(ascii: "\\")) {
                return String(decoding: inner, as: UTF8.self)
            }
            return try? JSONDecoder().decode(String.self, from: Data(quoted))
        }
    }
}
