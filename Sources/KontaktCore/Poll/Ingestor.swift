import Foundation
import MailMessage
import Routing
import Store

/// Where an inbound message came from.
public struct InboundOrigin: Sendable {
    public var mailboxId: Int64?
    public var uidValidity: Int64?
    public var uid: Int64?
    /// Mail that was already there before Kontakt started (first poll, import): stored and
    /// threaded, but never acknowledged.
    public var isBacklog: Bool
    public var receivedAt: Date

    public init(mailboxId: Int64? = nil, uidValidity: Int64? = nil, uid: Int64? = nil, isBacklog: Bool, receivedAt: Date) {
        self.mailboxId = mailboxId
        self.uidValidity = uidValidity
        self.uid = uid
        self.isBacklog = isBacklog
        self.receivedAt = receivedAt
    }
}

extension InboundOrigin {
    /// Where the message came from, written into its row.
    func apply(to record: inout MessageRecord) {
        record.mailboxId = mailboxId
        record.uidValidity = uidValidity
        record.uid = uid
        record.isBacklog = isBacklog
        record.receivedAt = receivedAt
    }
}

/// What became of one inbound message.
public enum IngestOutcome: Sendable, Equatable {
    /// Stored and in a conversation; `newConversation` when it opened one.
    case accepted(messageId: Int64, conversationId: Int64, newConversation: Bool)
    case robot(messageId: Int64, kind: String)
    case quarantined(messageId: Int64, reasons: [String])
    case oversize(messageId: Int64)
    /// The same message was stored before (seen again after a UIDVALIDITY change, or imported twice).
    case duplicate(existingId: Int64)
}

/// Turns raw inbound bytes into stored records — message, attachments, conversation, topic —
/// inside the caller's transaction. The poller, `import` and `replay` all come through here,
/// so a message is treated the same whichever way it arrived.
public struct Ingestor: Sendable {
    public let router: Router
    public let config: KontaktConfig
    public var clock: @Sendable () -> Date = { Date() }

    public init(router: Router, config: KontaktConfig) {
        self.router = router
        self.config = config
    }

    /// What a stored message's `contentHash` holds: `Digest.fingerprint`.
    public static func contentHash(_ bytes: [UInt8]) -> String {
        Digest.fingerprint(bytes)
    }

    /// Stores `raw`. Throws only when the store itself fails; every problem with the message
    /// becomes a quarantined record instead, so one bad message never stops a poll.
    public func ingest(_ raw: [UInt8], origin: InboundOrigin, in tx: StoreTransaction, dedupe: Bool = true) throws -> IngestOutcome {
        try ingest(prepare(raw), origin: origin, in: tx, dedupe: dedupe)
    }

    /// Stores a message prepared earlier (on the poller's fetch thread): only what needs the
    /// store is decided here — duplicate or not, which conversation, a campaign's topic.
    public func ingest(_ prepared: InboundMessage, origin: InboundOrigin, in tx: StoreTransaction, dedupe: Bool = true) throws -> IngestOutcome {
        var record = prepared.record
        origin.apply(to: &record)
        guard let lineage = prepared.lineage else {
            let stored = try tx.insert(record, raw: prepared.raw)
            return .quarantined(messageId: stored.id!, reasons: prepared.quarantineReasons)
        }
        if dedupe, let existing = try storedCopy(of: prepared, in: tx) {
            return .duplicate(existingId: existing)
        }
        if !prepared.quarantineReasons.isEmpty {
            let stored = try tx.insert(record, raw: prepared.raw, attachments: prepared.attachments)
            return .quarantined(messageId: stored.id!, reasons: prepared.quarantineReasons)
        }
        return try route(record, prepared: prepared, lineage: lineage, in: tx)
    }

    /// The stored message `prepared` duplicates, if any: same content fingerprint, or same
    /// Message-ID and size. A message the parser gave up on is never taken for a duplicate.
    public func storedCopy(of prepared: InboundMessage, in tx: StoreTransaction) throws -> Int64? {
        guard let lineage = prepared.lineage else { return nil }
        let record = prepared.record
        if let id = try tx.duplicateMessageId(messageID: lineage.messageID, contentHash: record.contentHash, size: record.size) {
            return id
        }
        // Rows stored before fingerprints hold the SHA-256 of the whole message. Only a message
        // without a Message-ID needs it looked up: with one, the Message-ID and size find any
        // stored copy. Such messages are rare, so hashing all their bytes here costs nothing.
        guard !prepared.hasNoLegacyCopy, lineage.messageID?.isEmpty ?? true, record.size > 2 * Digest.fingerprintEdge,
              let raw = try prepared.raw ?? tx.raw(of: record).map([UInt8].init) else { return nil }
        return try tx.duplicateMessageId(messageID: nil, contentHash: Digest.sha256Hex(raw), size: record.size)
    }

    /// Records a message too large to fetch: its header block only, flagged for the director.
    public func ingestOversize(header: [UInt8], size: Int, origin: InboundOrigin, in tx: StoreTransaction) throws -> IngestOutcome {
        let message = (try? Message.parse(header, options: .lenient)) ?? (try? Message.parse([], options: .lenient))
        var record = MessageRecord(direction: .inbound, contentHash: Ingestor.contentHash(header), size: size,
                                   receivedAt: origin.receivedAt, state: .oversize)
        if let message { Ingestor.fill(&record, from: message) }
        origin.apply(to: &record)
        record.text = "(Meddelandet är \(size / 1_048_576) MB, över gränsen på \(config.imap.maxMessageSize / 1_048_576) MB; "
            + "bara rubrikerna har hämtats. Det ligger kvar på servern.)"
        record.newText = record.text
        let stored = try tx.insert(record, raw: header)
        return .oversize(messageId: stored.id!)
    }

    /// Parses a stored message again and routes it (after a parser fix): `kontakt replay`.
    public func replay(_ stored: MessageRecord, in tx: StoreTransaction) throws -> IngestOutcome {
        guard let raw = try tx.raw(of: stored) else { throw KontaktError.invalid("message \(stored.id ?? 0) has no stored bytes (purged)") }
        let (prepared, parsed) = self.prepared([UInt8](raw))
        guard let lineage = prepared.lineage, let parsed else {
            return .quarantined(messageId: stored.id!, reasons: prepared.quarantineReasons)
        }
        var record = stored
        Ingestor.fill(&record, from: parsed)
        if !prepared.quarantineReasons.isEmpty {
            record.state = .quarantined
            try tx.update(record)
            return .quarantined(messageId: record.id!, reasons: prepared.quarantineReasons)
        }
        record.state = .accepted
        try tx.replaceAttachments(messageId: record.id!, with: prepared.attachments)
        return try route(record, prepared: prepared, lineage: lineage, in: tx, existing: true)
    }

    /// A message we cannot work with safely: kept raw, out of the queue, until `replay`.
    static func quarantineReasons(_ message: Message) -> [String] {
        var reasons: [String] = []
        if message.headers.isEmpty { reasons.append("no header block") }
        if message.from.isEmpty && message.sender == nil && !message.headers.isEmpty {
            reasons.append("no sender address")
        }
        for defect in message.defects {
            switch defect {
            case .nestingTooDeep, .tooManyHeaders, .tooManyParts: reasons.append(defect.description)
            default: break
            }
        }
        return reasons
    }

    /// The row's fields derived from the parsed message. Returns the signature cut from the new
    /// text, which the row does not keep and a conversation's opening reads for the sender kind.
    @discardableResult
    static func fill(_ record: inout MessageRecord, from message: Message) -> String {
        let sender = message.from.first ?? message.sender
        record.messageID = message.messageID
        record.subject = message.subject ?? ""
        record.fromAddress = sender?.address.lowercased() ?? ""
        record.fromName = sender?.name
        record.toAddresses = MessageRecord.encodeList(message.to.map(\.address))
        record.ccAddresses = MessageRecord.encodeList(message.cc.map(\.address))
        record.replyTo = message.replyTo.first?.address
        record.sentAt = message.date
        record.inReplyTo = message.inReplyTo.first
        record.referencesList = message.references.joined(separator: " ")
        record.text = message.text
        let parts = NewText.split(message.text)
        record.newText = parts.newText
        record.defects = MessageRecord.encodeList(message.defects.map(\.description))
        return parts.signature
    }

    private func route(_ initial: MessageRecord, prepared: InboundMessage, lineage: InboundMessage.Lineage, in tx: StoreTransaction,
                       existing: Bool = false) throws -> IngestOutcome {
        var record = initial
        switch prepared.verdict {
        case .human:
            break
        case .autoReply(let reason):
            return try storeRobot(&record, prepared: prepared, kind: TopicCatalog.autoReply, detail: reason, in: tx, existing: existing)
        case .loop(let reason):
            return try storeRobot(&record, prepared: prepared, kind: "loop", detail: reason, in: tx, existing: existing)
        case .mailingList(let id):
            return try storeRobot(&record, prepared: prepared, kind: "list", detail: id, in: tx, existing: existing)
        case .bounce(let report):
            let detail = report.recipients.map { r in
                [r.address, r.status ?? "", r.diagnostic ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
            }.joined(separator: "; ")
            let outcome = try storeRobot(&record, prepared: prepared, kind: TopicCatalog.bounce, detail: detail, in: tx, existing: existing)
            try BounceLinker.link(report, bounceMessageId: record.id!, in: tx, at: clock())
            return outcome
        }

        let sender = record.fromAddress
        let facts = InboundThreadingFacts(messageID: lineage.messageID, inReplyTo: lineage.inReplyTo,
                                          references: lineage.references, subject: record.subject,
                                          normalizedSubject: lineage.normalizedSubject, senderAddress: sender, date: lineage.date ?? record.receivedAt)
        let match = ThreadMatcher.match(facts, in: StoreConversationLookup(tx: tx), tagName: config.routing.threadTag)
        let now = record.receivedAt
        var conversation: ConversationRecord
        var isNew = false
        if case .existing(let id, let strength) = match, var found = try tx.conversation(id: id) {
            if strength.isWeak {
                found.weakMatch = strength == .subject ? "matched on subject only" : "thread tag from a sender not in this conversation"
            }
            if found.status != .open {
                try tx.record(EventRecord(at: now, conversationId: id, actor: "poller", kind: "reopened",
                                          detail: "new message from the sender"))
                found.status = .open
                found.closedAt = nil
            }
            if found.snoozedUntil != nil {
                // Resting waits for a date or for the sender, whichever comes first.
                try tx.record(EventRecord(at: now, conversationId: id, actor: "poller", kind: "woken",
                                          detail: "new message from the sender"))
                found.snoozedUntil = nil
            }
            found.lastActivityAt = max(found.lastActivityAt, now)
            try tx.update(found)
            conversation = found
        } else {
            conversation = try openConversation(for: record, prepared: prepared, lineage: lineage, in: tx)
            isNew = true
        }
        let conversationId = conversation.id!
        try tx.addParticipant(sender, toConversation: conversationId)
        record.conversationId = conversationId
        record.state = .accepted
        if existing {
            try tx.update(record)
        } else {
            record = try tx.insert(record, raw: prepared.raw, attachments: prepared.attachments)
        }
        return .accepted(messageId: record.id!, conversationId: conversationId, newConversation: isNew)
    }

    /// The conversation `record` opens (not yet inserted): topic, sender kind and language from
    /// `opening`, unless the message answers a campaign.
    static func conversation(openedBy record: MessageRecord, opening: ConversationOpening, campaignTopic: String?) -> ConversationRecord {
        var conversation = ConversationRecord(
            subject: record.subject, normalizedSubject: opening.normalizedSubject,
            topic: campaignTopic ?? opening.classification.topic,
            confidence: campaignTopic == nil ? opening.classification.confidence : 1,
            contactAddress: record.fromAddress, at: record.receivedAt)
        conversation.topicSource = campaignTopic == nil ? "classifier" : "campaign"
        conversation.contactName = record.fromName
        conversation.senderKind = opening.senderKind.rawValue
        conversation.language = opening.isEnglish ? "en" : "sv"
        return conversation
    }

    private func openConversation(for record: MessageRecord, prepared: InboundMessage, lineage: InboundMessage.Lineage,
                                  in tx: StoreTransaction) throws -> ConversationRecord {
        let campaignTopic = try tx.campaignTopic(answeringAny: lineage.inReplyTo + lineage.references)
        // Prepared for every message that can open a conversation; worked out here otherwise.
        let opening = prepared.opening ?? self.opening(forStored: record, normalizedSubject: lineage.normalizedSubject)
        let conversation = try tx.insert(Ingestor.conversation(openedBy: record, opening: opening, campaignTopic: campaignTopic))
        try tx.record(EventRecord(at: record.receivedAt, conversationId: conversation.id, actor: "poller", kind: "opened",
                                  detail: "topic \(conversation.topic) (\(Int(conversation.confidence * 100))%)"))
        return conversation
    }

    private func storeRobot(_ record: inout MessageRecord, prepared: InboundMessage, kind: String, detail: String,
                            in tx: StoreTransaction, existing: Bool) throws -> IngestOutcome {
        record.state = .robot
        record.robotKind = kind
        record.robotDetail = String(detail.prefix(500))
        if existing {
            try tx.update(record)
        } else {
            record = try tx.insert(record, raw: prepared.raw, attachments: prepared.attachments)
        }
        return .robot(messageId: record.id!, kind: kind)
    }
}
