public import Foundation

/// Writes a POSIX ustar archive in memory: regular files, directories and symbolic links, as a
/// Docker build context or a root file system for `importImage`. Entries are owned by 0:0 and
/// dated `modificationTime` (fixed by default, so the same tree gives the same bytes).
///
/// Names are relative paths (no `..`, no leading `/`) of at most 255 bytes, split over ustar's
/// prefix and name fields; a file is at most 8 GiB − 1 (ustar's size field). The archive is
/// bounded by `maxBytes`: an entry that would go past it is refused.
public struct TarArchive: Sendable {
    /// The archive so far (without the two zero blocks that end it: see `data`).
    private var bytes = Data()
    /// Names added, so a tree walk cannot add one twice.
    private var names = Set<String>()
    /// The largest archive accepted, in bytes.
    public let maxBytes: Int
    /// The modification time written into every header (seconds since 1970).
    public let modificationTime: Int

    public init(maxBytes: Int = 512 * 1024 * 1024, modificationTime: Int = 0) {
        self.maxBytes = maxBytes
        self.modificationTime = modificationTime
    }

    /// The complete archive, end-of-archive blocks included.
    public var data: Data {
        bytes + Data(count: 1024)
    }

    /// Adds a regular file.
    public mutating func addFile(_ path: String, contents: Data, mode: Int = 0o644) throws(TarArchiveError) {
        try append(path, type: UInt8(ascii: "0"), mode: mode, size: contents.count, linkTarget: "")
        bytes.append(contents)
        bytes.append(Data(count: (512 - contents.count % 512) % 512))
    }

    /// Adds a directory entry.
    public mutating func addDirectory(_ path: String, mode: Int = 0o755) throws(TarArchiveError) {
        try append(path.hasSuffix("/") ? path : path + "/", type: UInt8(ascii: "5"), mode: mode, size: 0, linkTarget: "")
    }

    /// Adds a symbolic link to `target` (any text of at most 100 bytes, relative or absolute).
    public mutating func addSymlink(_ path: String, target: String) throws(TarArchiveError) {
        guard !target.isEmpty, target.utf8.count <= 100, !target.utf8.contains(0) else {
            throw TarArchiveError("the link target of \(path) is empty, has a NUL or is longer than 100 bytes")
        }
        try append(path, type: UInt8(ascii: "2"), mode: 0o777, size: 0, linkTarget: target)
    }

    /// Adds the tree under `directory` on disk (its contents, not itself), names relative to it
    /// under `prefix`: regular files with their permission bits, directories, and symbolic links
    /// as links. Entries are sorted, so the same tree gives the same archive. Other file types
    /// (sockets, devices, FIFOs) are refused; names listed in `excluding` (relative paths,
    /// e.g. `.git`) are skipped with everything under them.
    public mutating func addTree(at directory: String, under prefix: String = "", excluding: Set<String> = []) throws(TarArchiveError) {
        let manager = FileManager.default
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw TarArchiveError("cannot list \(directory): \(error.localizedDescription)")
        }
        for entry in entries {
            let relative = prefix.isEmpty ? entry : prefix + "/" + entry
            if excluding.contains(relative) { continue }
            let full = directory + "/" + entry
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try manager.attributesOfItem(atPath: full)
            } catch {
                throw TarArchiveError("cannot read \(full): \(error.localizedDescription)")
            }
            let mode = (attributes[.posixPermissions] as? Int) ?? 0o644
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory?:
                try addDirectory(relative, mode: mode)
                try addTree(at: full, under: relative, excluding: excluding)
            case .typeRegular?:
                let size = (attributes[.size] as? Int) ?? 0
                guard bytes.count + 512 + size <= maxBytes else { throw tooLarge(relative) }
                guard let contents = manager.contents(atPath: full) else { throw TarArchiveError("cannot read \(full)") }
                try addFile(relative, contents: contents, mode: mode)
            case .typeSymbolicLink?:
                let target: String
                do {
                    target = try manager.destinationOfSymbolicLink(atPath: full)
                } catch {
                    throw TarArchiveError("cannot read the link \(full): \(error.localizedDescription)")
                }
                try addSymlink(relative, target: target)
            default:
                throw TarArchiveError("\(relative) is not a regular file, directory or symbolic link")
            }
        }
    }

    // MARK: Headers

    private mutating func append(_ path: String, type: UInt8, mode: Int, size: Int, linkTarget: String) throws(TarArchiveError) {
        let (prefix, name) = try Self.split(path)
        guard names.insert(path).inserted else { throw TarArchiveError("\(path) is in the archive twice") }
        guard size < 0o77777777777 else { throw TarArchiveError("\(path) is larger than ustar's 8 GiB limit") }
        let padded = (size + 511) / 512 * 512
        guard bytes.count + 512 + padded + 1024 <= maxBytes else { throw tooLarge(path) }

        var header = [UInt8](repeating: 0, count: 512)
        Self.put(name, into: &header, at: 0, width: 100)
        Self.putOctal(mode & 0o7777, into: &header, at: 100, width: 8)
        Self.putOctal(0, into: &header, at: 108, width: 8)
        Self.putOctal(0, into: &header, at: 116, width: 8)
        Self.putOctal(size, into: &header, at: 124, width: 12)
        Self.putOctal(max(0, modificationTime), into: &header, at: 136, width: 12)
        header[156] = type
        Self.put(linkTarget, into: &header, at: 157, width: 100)
        Self.put("ustar\0", into: &header, at: 257, width: 6)
        Self.put("00", into: &header, at: 263, width: 2)
        Self.put("root", into: &header, at: 265, width: 32)
        Self.put("root", into: &header, at: 297, width: 32)
        Self.put(prefix, into: &header, at: 345, width: 155)
        // The checksum is computed with its own field as eight spaces.
        for index in 148..<156 { header[index] = 0x20 }
        let checksum = header.reduce(0) { $0 + Int($1) }
        Self.putOctal(checksum, into: &header, at: 148, width: 7)
        header[155] = 0x20
        bytes.append(contentsOf: header)
    }

    private func tooLarge(_ path: String) -> TarArchiveError {
        TarArchiveError("the archive would be larger than \(maxBytes) bytes at \(path)")
    }

    /// Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a `/`.
    private static func split(_ path: String) throws(TarArchiveError) -> (prefix: String, name: String) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let body = path.hasSuffix("/") ? components.dropLast() : components[...]
        guard !path.isEmpty, !path.hasPrefix("/"), !path.utf8.contains(0),
              !body.isEmpty, !body.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." })
        else {
            throw TarArchiveError("'\(path)' is not a relative path without '..' inside the archive")
        }
        let utf8 = Array(path.utf8)
        if utf8.count <= 100 { return ("", path) }
        // The last '/' (not a trailing one) that leaves a name of ≤100 and a prefix of ≤155 bytes.
        let searchEnd = path.hasSuffix("/") ? utf8.count - 1 : utf8.count
        for index in stride(from: searchEnd - 1, through: 0, by: -1) where utf8[index] == UInt8(ascii: "/") {
            let prefixBytes = utf8[..<index], nameBytes = utf8[(index + 1)...]
            if nameBytes.count > 100 { break }
            if prefixBytes.count <= 155 && !nameBytes.isEmpty {
                return (String(decoding: prefixBytes, as: UTF8.self), String(decoding: nameBytes, as: UTF8.self))
            }
        }
        throw TarArchiveError("the path \(path.prefix(120))… does not fit a ustar header (a name of at most 100 bytes after a directory of at most 155)")
    }

    private static func put(_ text: String, into header: inout [UInt8], at offset: Int, width: Int) {
        for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
    }

    /// `value` in octal, zero-padded to `width - 1` digits, NUL-terminated.
    private static func putOctal(_ value: Int, into header: inout [UInt8], at offset: Int, width: Int) {
        let digits = String(value, radix: 8)
        let padded = String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        put(padded, into: &header, at: offset, width: width - 1)
        header[offset + width - 1] = 0
    }
}
