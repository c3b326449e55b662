import Foundation
import Logging
import MailMessage
import Store

/// The JSON that accompanies an exported mbox: everything stored about a person (or in one
/// conversation) that is not already inside the raw messages — conversation facts, notes,
/// the audit trail, outbox and campaign rows — plus an index of the mbox.
public struct ExportSummary: Codable, Sendable {
    public struct Conversation: Codable, Sendable {
        public var id: Int64
        public var subject: String
        public var topic: String
        public var status: String
        public var contactAddress: String
        public var contactName: String?
        public var senderKind: String
        public var language: String
        public var createdAt: Date
        public var firstAnsweredAt: Date?
        public var closedAt: Date?
        public var notes: [Note]
        public var events: [Event]
        public var corrections: [Correction]
    }
    public struct Note: Codable, Sendable { public var at: Date; public var text: String }
    public struct Event: Codable, Sendable { public var at: Date; public var actor: String; public var kind: String; public var detail: String }
    public struct Correction: Codable, Sendable { public var at: Date; public var label: String; public var text: String }
    public struct Attachment: Codable, Sendable {
        public var filename: String?
        public var contentType: String
        public var size: Int
        /// Of the decoded file; nil when the raw message is no longer kept.
        public var sha256: String?
    }
    public struct Message: Codable, Sendable {
        public var id: Int64
        public var conversationId: Int64?
        public var direction: String
        public var state: String
        public var messageID: String?
        public var sentAt: Date?
        public var receivedAt: Date
        public var subject: String
        public var from: String
        public var fromName: String?
        public var to: [String]
        public var cc: [String]
        public var attachments: [Attachment]
        /// False when the raw bytes are gone (purged); then only these facts remain.
        public var inMbox: Bool
    }
    public struct OutboxEntry: Codable, Sendable {
        public var id: Int64
        public var kind: String
        public var state: String
        public var conversationId: Int64?
        public var messageID: String
        public var subject: String
        public var recipients: [String]
        public var createdAt: Date
        public var sentAt: Date?
        public var lastError: String?
        /// True when this entry's message is in the mbox (and was not already there as a stored message).
        public var inMbox: Bool
    }
    public struct CampaignRecipient: Codable, Sendable {
        public var campaign: String
        public var email: String
        public var name: String
        public var state: String
        public var variables: String
        public var detail: String?
        public var updatedAt: Date
    }

    public var address: String?
    public var thread: Int64?
    public var exportedAt: Date
    public var mboxPath: String
    public var summaryPath: String
    public var mboxMessages: Int
    public var conversations: [Conversation]
    public var messages: [Message]
    public var outbox: [OutboxEntry]
    public var campaignRecipients: [CampaignRecipient]
}

/// What `forget` is about to erase, shown before the director confirms.
public struct ForgetPreview: Codable, Sendable {
    public var address: String
    public var conversations: Int
    public var conversationsAsParticipant: Int
    public var messages: Int
    public var outboxEntries: Int
    public var campaignRecipients: Int
    public var isEmpty: Bool
}

/// GDPR access and erasure: `kontakt export` and `kontakt forget`.
public struct PersonalData {
    let store: Store
    let logger: Logger

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public static func normalise(address: String) throws(KontaktError) -> String {
        let a = address.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "<>")).lowercased()
        guard a.contains("@"), !a.hasPrefix("@"), !a.hasSuffix("@"), !a.contains(" ") else {
            throw KontaktError.invalid("\(address): not an e-mail address — pass it as name@domain")
        }
        return a
    }

    // MARK: - Export

    /// Writes `person-ADDRESS.mbox` and `.json` into `directory`: everything stored about one person.
    public func export(address: String, to directory: String, now: Date = Date()) throws(KontaktError) -> ExportSummary {
        let a = try PersonalData.normalise(address: address)
        let base = "person-" + a.map { $0.isLetter || $0.isNumber || "@.-_".contains($0) ? String($0) : "_" }.joined()
        return try write(directory: directory, base: base, now: now) { tx in
            let f = try tx.footprint(of: a)
            let conversations = f.contactConversations + f.participantConversations
            var messageIds = Set(f.messages)
            for id in conversations { messageIds.formUnion(try tx.messages(inConversation: id).compactMap(\.id)) }
            var outbox = Set(f.outboxEntries)
            for id in conversations { outbox.formUnion(try tx.outboxEntries(conversationId: id).compactMap(\.id)) }
            return Selection(address: a, thread: nil, conversations: conversations.sorted(), messages: Array(messageIds),
                             outbox: Array(outbox), campaignRecipients: f.campaignRecipients)
        }
    }

    /// Writes `thread-ID.mbox` and `.json`: one conversation for the archive or the public register.
    public func export(thread id: Int64, to directory: String, now: Date = Date()) throws(KontaktError) -> ExportSummary {
        try write(directory: directory, base: "thread-\(id)", now: now) { tx in
            guard try tx.conversation(id: id) != nil else { throw KontaktError.notFound("conversation #\(id) does not exist — see `kontakt queue --all`") }
            return Selection(address: nil, thread: id, conversations: [id],
                             messages: try tx.messages(inConversation: id).compactMap(\.id),
                             outbox: try tx.outboxEntries(conversationId: id).compactMap(\.id), campaignRecipients: [])
        }
    }

    struct Selection {
        var address: String?
        var thread: Int64?
        var conversations: [Int64]
        var messages: [Int64]
        var outbox: [Int64]
        var campaignRecipients: [Int64]
    }

    private func write(directory: String, base: String, now: Date,
                       select: (StoreTransaction) throws -> Selection) throws(KontaktError) -> ExportSummary {
        let mboxPath = (directory as NSString).appendingPathComponent(base + ".mbox")
        let summaryPath = (directory as NSString).appendingPathComponent(base + ".json")
        var mbox: [UInt8] = []
        let summary: ExportSummary
        do {
            summary = try store.read { tx in
                let selection = try select(tx)
                var conversations: [ExportSummary.Conversation] = []
                for id in selection.conversations {
                    guard let c = try tx.conversation(id: id) else { continue }
                    conversations.append(ExportSummary.Conversation(
                        id: id, subject: c.subject, topic: c.topic, status: c.status.rawValue, contactAddress: c.contactAddress,
                        contactName: c.contactName, senderKind: c.senderKind, language: c.language, createdAt: c.createdAt,
                        firstAnsweredAt: c.firstAnsweredAt, closedAt: c.closedAt,
                        notes: try tx.notes(ofConversation: id).map { .init(at: $0.at, text: $0.text) },
                        events: try tx.events(ofConversation: id).map { .init(at: $0.at, actor: $0.actor, kind: $0.kind, detail: $0.detail) },
                        corrections: try tx.corrections(ofConversation: id).map { .init(at: $0.at, label: $0.label, text: $0.text) }))
                }
                var messages: [ExportSummary.Message] = []
                var exportedIDs = Set<String>()
                for m in try tx.messages(ids: selection.messages) {
                    let raw = try tx.raw(of: m)
                    // The store keeps no file hashes (migration 5): they come from the message itself.
                    let files = raw.flatMap { try? Message.parse([UInt8]($0), options: .lenient) }?.attachments ?? []
                    let attachments = try tx.attachments(ofMessage: m.id!).map { a in
                        ExportSummary.Attachment(filename: a.filename, contentType: a.contentType, size: a.size,
                                                 sha256: a.position < files.count ? files[a.position].sha256 : nil)
                    }
                    if let raw {
                        mbox += Mbox.entry([UInt8](raw), sender: m.direction == .inbound ? m.fromAddress : "kontakt",
                                           date: m.receivedAt)
                        if let id = m.messageID { exportedIDs.insert(id) }
                    }
                    messages.append(ExportSummary.Message(
                        id: m.id!, conversationId: m.conversationId, direction: m.direction.rawValue, state: m.state.rawValue,
                        messageID: m.messageID, sentAt: m.sentAt, receivedAt: m.receivedAt, subject: m.subject,
                        from: m.fromAddress, fromName: m.fromName, to: m.toList, cc: m.ccList, attachments: attachments,
                        inMbox: raw != nil))
                }
                var outbox: [ExportSummary.OutboxEntry] = []
                for o in try tx.outboxEntries(ids: selection.outbox) {
                    // What we sent is usually stored as an outbound message too; put it in the mbox once.
                    let add = o.raw != nil && !exportedIDs.contains(o.messageID)
                    if add, let raw = o.raw {
                        mbox += Mbox.entry([UInt8](raw), sender: o.envelopeFrom, date: o.sentAt ?? o.createdAt)
                        exportedIDs.insert(o.messageID)
                    }
                    outbox.append(ExportSummary.OutboxEntry(
                        id: o.id!, kind: o.kind.rawValue, state: o.state.rawValue, conversationId: o.conversationId,
                        messageID: o.messageID, subject: o.subject, recipients: o.recipientList, createdAt: o.createdAt,
                        sentAt: o.sentAt, lastError: o.lastError, inMbox: add))
                }
                let recipients = try tx.campaignRecipients(ids: selection.campaignRecipients).map { r, campaign in
                    ExportSummary.CampaignRecipient(campaign: campaign, email: r.email, name: r.name, state: r.state.rawValue,
                                                    variables: r.variables, detail: r.detail, updatedAt: r.updatedAt)
                }
                return ExportSummary(address: selection.address, thread: selection.thread, exportedAt: now,
                                     mboxPath: mboxPath, summaryPath: summaryPath,
                                     mboxMessages: messages.filter(\.inMbox).count + outbox.filter(\.inMbox).count,
                                     conversations: conversations, messages: messages, outbox: outbox,
                                     campaignRecipients: recipients)
            }
        } catch let error as KontaktError {
            throw error
        } catch {
            throw KontaktError.failed("cannot read the store: \(error)")
        }
        try PersonalData.writePrivately(Data(mbox), to: mboxPath)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try PersonalData.writePrivately(try encoder.encode(summary), to: summaryPath)
        } catch let error as KontaktError {
            throw error
        } catch {
            throw KontaktError.failed("cannot encode the export summary: \(error)")
        }
        logger.info("exported", metadata: ["messages": "\(summary.mboxMessages)", "conversations": "\(summary.conversations.count)"])
        return summary
    }

    /// Creates the folder (0700) and the file (0600): an export is personal data too.
    static func writePrivately(_ data: Data, to path: String) throws(KontaktError) {
        let directory = (path as NSString).deletingLastPathComponent
        let previous = umask(0o077)
        defer { umask(previous) }
        do {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try data.write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)
        } catch {
            throw KontaktError.failed("cannot write \(path): \(error.localizedDescription) — pass --output with a writable folder")
        }
    }

    // MARK: - Forget

    public func preview(address: String) throws(KontaktError) -> ForgetPreview {
        let a = try PersonalData.normalise(address: address)
        do {
            let f = try store.read { tx in try tx.footprint(of: a) }
            return ForgetPreview(address: a, conversations: f.contactConversations.count,
                                 conversationsAsParticipant: f.participantConversations.count, messages: f.messages.count,
                                 outboxEntries: f.outboxEntries.count, campaignRecipients: f.campaignRecipients.count,
                                 isEmpty: f.isEmpty)
        } catch {
            throw KontaktError.failed("cannot read the store: \(error)")
        }
    }

    /// Erases the address from the store, then compacts the file so no copy survives in free
    /// pages, the WAL or the search index.
    public func forget(address: String) throws(KontaktError) -> ForgetCounts {
        let a = try PersonalData.normalise(address: address)
        do {
            let counts = try store.write { tx in try tx.forget(address: a) }
            try store.compact()
            logger.info("forgotten", metadata: ["conversations": "\(counts.conversations)", "messages": "\(counts.messages)",
                                               "redacted": "\(counts.redactedRows)"])
            return counts
        } catch {
            throw KontaktError.failed("forget failed: \(error) — nothing was erased if the error came before the commit; run it again")
        }
    }
}
