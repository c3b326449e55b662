import Crypto
import Curl
import Foundation
import MailMessage
import SMTP
import Store

/// One outbox entry made ready for SMTP: a checked envelope and bytes to upload.
///
/// Entries queued with their bytes upload from memory (replies and receipts are small). Entries
/// queued as a `spec` are built now into a spool file beside the store and uploaded from it, so
/// a 20 MB attachment costs 64 KiB of memory, not 27 MB.
final class PreparedMessage {
    let envelope: SMTPEnvelope
    private let bytes: [UInt8]?
    let spoolPath: String?
    let size: Int64
    /// The sha256 of what is sent, for the thread's copy.
    let contentHash: String

    private init(envelope: SMTPEnvelope, bytes: [UInt8]?, spoolPath: String?, size: Int64, contentHash: String) {
        self.envelope = envelope
        self.bytes = bytes
        self.spoolPath = spoolPath
        self.size = size
        self.contentHash = contentHash
    }

    deinit {
        if let spoolPath { try? FileManager.default.removeItem(atPath: spoolPath) }
    }

    /// A fresh upload of the message (each transfer reads from the start).
    func upload() throws -> any UploadSource {
        if let bytes { return BytesUpload(bytes) }
        return try FileUpload(path: spoolPath!)
    }

    /// Checks the envelope and makes the bytes. Throws `OutboxError` for what will never send
    /// (unsafe address, changed attachment, unbuildable message) and other errors for spool I/O.
    static func prepare(_ entry: OutboxRecord, spoolDirectory: String) throws -> PreparedMessage {
        let envelope = try envelope(for: entry)
        if let raw = entry.raw {
            let bytes = CRLFNormalizer.normalized([UInt8](raw))
            return PreparedMessage(envelope: envelope, bytes: bytes, spoolPath: nil, size: Int64(bytes.count),
                                   contentHash: Ingestor.contentHash(bytes))
        }
        guard let json = entry.spec else {
            throw OutboxError.invalidMessage("outbox entry \(entry.id ?? 0) has neither bytes nor a spec; cancel it")
        }
        let spec = try OutgoingSpec.decode(json)
        try spec.verifyAttachments()
        let path = try spool(spec.outgoingMessage, id: entry.id ?? 0, in: spoolDirectory)
        let attributes = try FileManager.default.attributesOfItem(atPath: path.path)
        return PreparedMessage(envelope: envelope, bytes: nil, spoolPath: path.path,
                               size: (attributes[.size] as? NSNumber)?.int64Value ?? 0, contentHash: path.hash)
    }

    /// The envelope, refused before SMTP when any address could smuggle a command: both the
    /// message library's check and the SMTP layer's own run, whatever the queueing code checked.
    static func envelope(for entry: OutboxRecord) throws(OutboxError) -> SMTPEnvelope {
        let recipients = entry.recipientList
        guard !recipients.isEmpty else { throw OutboxError.refusedAddress("the entry has no recipients") }
        for (k, r) in recipients.enumerated() where !Address(address: r).isValidForEnvelope {
            throw OutboxError.refusedAddress("recipient \(k + 1) is not a plain address\(r.contains(where: \.isNewline) ? " (it contains a line break)" : "")")
        }
        if !entry.envelopeFrom.isEmpty, !Address(address: entry.envelopeFrom).isValidForEnvelope {
            throw OutboxError.refusedAddress("the envelope sender is not a plain address")
        }
        do { return try SMTPEnvelope(sender: entry.envelopeFrom, recipients: recipients) } catch {
            throw OutboxError.refusedAddress(error.message)
        }
    }

    /// Streams the built message into `<spool>/<id>.eml` (mode 0600), CRLF-normalised, hashing as it goes.
    private static func spool(_ message: OutgoingMessage, id: Int64, in directory: String) throws -> (path: String, hash: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = directory + "/\(id).eml"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        var normalizer = CRLFNormalizer()
        var hasher = SHA256()
        do {
            defer { try? handle.close() }
            do {
                try MessageBuilder.write(message) { chunk in
                    let bytes = normalizer.normalize(chunk)
                    hasher.update(data: bytes)
                    try handle.write(contentsOf: bytes)
                }
            } catch let error as MessageBuildError {
                throw OutboxError.invalidMessage("cannot build the message: \(error)")
            }
            let tail = normalizer.finish()
            hasher.update(data: tail)
            try handle.write(contentsOf: tail)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return (path, Digest.hex(hasher.finalize()))
    }
}
