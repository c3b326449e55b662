import Foundation
import MailMessage
import Store

/// Writes a conversation's attachments into a folder chosen by the director.
///
/// A file name in a mail is chosen by a stranger, so it is never trusted as a path: path
/// separators, NUL and other control characters become "_", leading dots go (no hidden files,
/// no ".."), and the name is cut to 255 bytes keeping its extension. Files are created with
/// O_EXCL and O_NOFOLLOW, so an existing file (or a planted symlink) is never written through:
/// the name gets " (2)", " (3)", … instead.
public struct AttachmentSaver {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// One file written.
    public struct Saved: Codable, Sendable {
        public var messageId: Int64
        public var originalName: String?
        public var path: String
        public var size: Int
        enum CodingKeys: String, CodingKey { case messageId = "message_id", originalName = "original_name", path, size }
    }

    /// Saves every attachment of every inbound message of conversation `id`, re-parsed from the stored bytes.
    public func saveAttachments(ofConversation id: Int64, from store: Store) throws -> [Saved] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw KontaktError.invalid("\(directory) is not a folder — create it first")
        }
        let messages = try store.read { tx -> [(record: MessageRecord, raw: Data?)] in
            guard try tx.conversation(id: id) != nil else { throw DirectorDesk.missing(id, in: tx) }
            return try tx.messages(inConversation: id).map { ($0, try tx.raw(of: $0)) }
        }
        var saved: [Saved] = []
        var counter = 0
        for (message, raw) in messages {
            guard let raw, let parsed = try? Message.parse([UInt8](raw), options: .lenient) else { continue }
            for attachment in parsed.attachments {
                counter += 1
                let name = AttachmentSaver.safeName(attachment.filename, fallback: "bilaga-\(counter)")
                let path = try write(attachment.data, preferredName: name)
                saved.append(Saved(messageId: message.id ?? 0, originalName: attachment.filename, path: path,
                                   size: attachment.size))
            }
        }
        return saved
    }

    /// Writes `data` as `preferredName` in the folder, or "name (N).ext" when that exists.
    public func write(_ data: [UInt8], preferredName: String) throws -> String {
        let (stem, ext) = AttachmentSaver.split(preferredName)
        for attempt in 1...1000 {
            let candidate = attempt == 1 ? preferredName
                : AttachmentSaver.fit(stem: stem, suffix: " (\(attempt))", ext: ext)
            let path = (directory as NSString).appendingPathComponent(candidate)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0 {
                if errno == EEXIST || errno == ELOOP { continue }
                throw KontaktError.failed("cannot write \(path): \(String(cString: strerror(errno))) — check the folder")
            }
            defer { close(fd) }
            var offset = 0
            while offset < data.count {
                let written = data[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw KontaktError.failed("cannot write \(path): \(String(cString: strerror(errno))) — is the disk full?")
                }
                offset += written
            }
            return path
        }
        throw KontaktError.failed("too many files named like \(preferredName) in \(directory) — choose an empty folder")
    }

    /// A name that is one plain file name inside the folder, whatever the mail said.
    public static func safeName(_ name: String?, fallback: String) -> String {
        var cleaned = String((name ?? "").unicodeScalars.map { scalar -> Character in
            if scalar == "/" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F { return "_" }
            return Character(scalar)
        })
        cleaned = cleaned.trimmingCharacters(in: .whitespaces)
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        cleaned = cleaned.trimmingCharacters(in: .whitespaces)
        if cleaned.isEmpty || cleaned.allSatisfy({ $0 == "_" || $0 == "." }) { cleaned = fallback }
        let (stem, ext) = split(cleaned)
        return fit(stem: stem, suffix: "", ext: ext)
    }

    /// Stem and extension (with its dot); an extension longer than 16 bytes is part of the stem.
    static func split(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        let ext = String(name[dot...])
        guard ext.utf8.count <= 16 else { return (name, "") }
        return (String(name[..<dot]), ext)
    }

    /// stem + suffix + ext cut to 255 bytes of UTF-8 (the usual file-name limit), cutting the stem.
    static func fit(stem: String, suffix: String, ext: String) -> String {
        let limit = 255 - suffix.utf8.count - ext.utf8.count
        var cut = stem
        while cut.utf8.count > limit { cut.removeLast() }
        return cut + suffix + ext
    }
}
