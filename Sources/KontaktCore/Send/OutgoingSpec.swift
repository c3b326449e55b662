import Crypto
import Foundation
import MailMessage

/// How to build one outgoing message at send time: the `spec` JSON of an outbox entry.
///
/// A mirror of `OutgoingMessage` that can be stored. Attachments are recorded by path with the
/// SHA-256 and size they had when the message was queued; the sender checks both again before
/// building, so a slide deck edited (or replaced) after `campaign send` was queued is refused
/// rather than silently sent in its new form. Building happens into a spool file, so memory does
/// not grow with attachment size, and the outbox row stays small however large the files are.
///
/// Version 1 layout (JSON, keys as below; dates ISO 8601):
/// `{"version":1,"from":{"name":..,"address":..},"to":[..],"cc":[..],"replyTo":[..],"subject":..,
///   "text":..,"html":null,"messageID":"x@domain","date":"2026-11-23T09:00:00Z","timeZone":"Europe/Stockholm",
///   "inReplyTo":null,"references":[],"extraHeaders":[{"name":..,"value":..}],
///   "attachments":[{"filename":..,"contentType":..,"path":"/abs/file.pdf","sha256":"<hex>","size":123}]}`
public struct OutgoingSpec: Codable, Sendable, Equatable {
    public struct Attachment: Codable, Sendable, Equatable {
        public var filename: String
        public var contentType: String
        /// Absolute path, read at send time.
        public var path: String
        /// Lowercase hex SHA-256 of the file when it was queued.
        public var sha256: String
        public var size: Int64
    }

    public struct ExtraHeader: Codable, Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public static let currentVersion = 1

    public var version = OutgoingSpec.currentVersion
    public var from: Address
    public var to: [Address]
    public var cc: [Address]
    public var replyTo: [Address]
    public var subject: String
    public var text: String
    public var html: String?
    public var messageID: String
    public var date: Date
    /// A time-zone identifier such as "Europe/Stockholm" (the Date header's zone).
    public var timeZone: String
    public var inReplyTo: String?
    public var references: [String]
    public var extraHeaders: [ExtraHeader]
    public var attachments: [Attachment]

    /// Records `message` for later building, hashing each file attachment now.
    /// In-memory attachments are refused: they belong in a message queued with its bytes.
    public init(message m: OutgoingMessage) throws(OutboxError) {
        from = m.from
        to = m.to
        cc = m.cc
        replyTo = m.replyTo
        subject = m.subject
        text = m.text
        html = m.html
        messageID = m.messageID
        date = m.date
        timeZone = m.timeZone.identifier
        inReplyTo = m.inReplyTo
        references = m.references
        extraHeaders = m.extraHeaders.map { ExtraHeader(name: $0.name, value: $0.value) }
        var recorded: [Attachment] = []
        for a in m.attachments {
            guard case .file(let path) = a.source else {
                throw OutboxError.invalidMessage("attachment \(a.filename) is in memory; a spec records files only — queue the message with its bytes instead")
            }
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let fingerprint = try Self.fingerprint(path: absolute)
            recorded.append(Attachment(filename: a.filename, contentType: a.contentType, path: absolute,
                                       sha256: fingerprint.sha256, size: fingerprint.size))
        }
        attachments = recorded
    }

    /// The message to build, attachments streamed from their files.
    public var outgoingMessage: OutgoingMessage {
        var m = OutgoingMessage(from: from, to: to, subject: subject, text: text, messageID: messageID, date: date)
        m.cc = cc
        m.replyTo = replyTo
        m.html = html
        m.timeZone = TimeZone(identifier: timeZone) ?? .current
        m.inReplyTo = inReplyTo
        m.references = references
        m.extraHeaders = extraHeaders.map { Header(name: $0.name, value: $0.value) }
        m.attachments = attachments.map { OutgoingAttachment(filename: $0.filename, contentType: $0.contentType, source: .file(path: $0.path)) }
        return m
    }

    /// Checks that every attachment is still the file that was queued (size, then SHA-256).
    public func verifyAttachments() throws(OutboxError) {
        for a in attachments {
            let now = try Self.fingerprint(path: a.path)
            guard now.size == a.size, now.sha256 == a.sha256 else {
                throw OutboxError.attachmentChanged(path: a.path)
            }
        }
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public static func decode(_ json: String) throws(OutboxError) -> OutgoingSpec {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let spec: OutgoingSpec
        do { spec = try decoder.decode(OutgoingSpec.self, from: Data(json.utf8)) } catch {
            throw OutboxError.invalidMessage("the stored message spec cannot be read (\(error)); cancel the entry and queue it again")
        }
        guard spec.version == currentVersion else {
            throw OutboxError.invalidMessage("the stored message spec has version \(spec.version); this kontakt reads version \(currentVersion)")
        }
        return spec
    }

    /// Size and SHA-256 of a file, read in 1 MiB chunks.
    static func fingerprint(path: String) throws(OutboxError) -> (sha256: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw OutboxError.attachmentMissing(path: path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { throw OutboxError.attachmentMissing(path: path) }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (Digest.hex(hasher.finalize()), size)
    }
}
