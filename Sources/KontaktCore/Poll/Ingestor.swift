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
    /// A message row for bytes from this origin, before any parsed field is filled in.
    func record(raw: [UInt8], hash: String, size: Int, state: MessageRecord.State) -> MessageRecord {
        var record = MessageRecord(direction: .inbound, contentHash: hash, size: size, receivedAt: receivedAt, state: state)
        record.mailboxId = mailboxId
        record.uidValidity = uidValidity
        record.uid = uid
        record.raw = Data(raw)
        record.isBacklog = isBacklog
        return record
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
public struct Ingestor {
    public let router: Router
    public let config: KontaktConfig
    public var clock: @Sendable () -> Date = { Date() }

    public init(router: Router, config: KontaktConfig) {
        self.router = router
        self.config = config
    }

    /// How much of a message's new text routing reads (in Unicode scalars): about a page, more than
    /// any held-out inquiry needs (the classifier scores the same on them with or without the cap).
    static let routingSampleLength = 4_000

    public static func contentHash(_ bytes: [UInt8]) -> String {
        Digest.sha256Hex(bytes)
    }

    /// Stores `raw`. Throws only when the store itself fails; every problem with the message
    /// becomes a quarantined record instead, so one bad message never stops a poll.
    public func ingest(_ raw: [UInt8], origin: InboundOrigin, in tx: StoreTransaction, dedupe: Bool = true) throws -> IngestOutcome {
        let hash = Ingestor.contentHash(raw)
        guard let message = try? Message.parse(raw, options: .lenient) else {
            // Lenient parsing records defects instead of throwing; should that promise ever
            // break, the message is kept raw and quarantined rather than lost.
            var record = origin.record(raw: raw, hash: hash, size: raw.count, state: .quarantined)
            record.defects = MessageRecord.encodeList(["the parser gave up on this message"])
            let stored = try tx.insert(record)
            return .quarantined(messageId: stored.id!, reasons: ["the parser gave up on this message"])
        }
        if dedupe, let existing = try tx.duplicateMessageId(messageID: message.messageID, contentHash: hash, size: raw.count) {
            return .duplicate(existingId: existing)
        }
        var record = origin.record(raw: raw, hash: hash, size: raw.count, state: .accepted)
        fill(&record, from: message)

        let reasons = Ingestor.quarantineReasons(message)
        if !reasons.isEmpty {
            record.state = .quarantined
            let stored = try tx.insert(record, attachments: attachmentRecords(message))
            return .quarantined(messageId: stored.id!, reasons: reasons)
        }
        return try route(record, message: message, in: tx)
    }

    /// Records a message too large to fetch: its header block only, flagged for the director.
    public func ingestOversize(header: [UInt8], size: Int, origin: InboundOrigin, in tx: StoreTransaction) throws -> IngestOutcome {
        let message = (try? Message.parse(header, options: .lenient)) ?? (try? Message.parse([], options: .lenient))
        var record = origin.record(raw: header, hash: Ingestor.contentHash(header), size: size, state: .oversize)
        if let message { fill(&record, from: message) }
        record.text = "(Meddelandet är \(size / 1_048_576) MB, över gränsen på \(config.imap.maxMessageSize / 1_048_576) MB; "
            + "bara rubrikerna har hämtats. Det ligger kvar på servern.)"
        record.newText = record.text
        let stored = try tx.insert(record)
        return .oversize(messageId: stored.id!)
    }

    /// Parses a stored message again and routes it (after a parser fix): `kontakt replay`.
    public func replay(_ stored: MessageRecord, in tx: StoreTransaction) throws -> IngestOutcome {
        guard let raw = stored.raw else { throw KontaktError.invalid("message \(stored.id ?? 0) has no stored bytes (purged)") }
        let bytes = [UInt8](raw)
        guard let message = try? Message.parse(bytes, options: .lenient) else {
            return .quarantined(messageId: stored.id!, reasons: ["the parser gave up on this message"])
        }
        var record = stored
        fill(&record, from: message)
        let reasons = Ingestor.quarantineReasons(message)
        if !reasons.isEmpty {
            record.state = .quarantined
            try tx.update(record)
            return .quarantined(messageId: record.id!, reasons: reasons)
        }
        record.state = .accepted
        try tx.replaceAttachments(messageId: record.id!, with: attachmentRecords(message))
        return try route(record, message: message, in: tx, existing: true)
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

    private func fill(_ record: inout MessageRecord, from message: Message) {
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
        record.newText = message.newText
        record.defects = MessageRecord.encodeList(message.defects.map(\.description))
    }

    private func attachmentRecords(_ message: Message) -> [AttachmentRecord] {
        message.attachments.enumerated().map { index, a in
            AttachmentRecord(messageId: 0, position: index, filename: a.filename, contentType: a.contentType,
                             size: a.size, sha256: a.sha256)
        }
    }

    private func route(_ initial: MessageRecord, message: Message, in tx: StoreTransaction, existing: Bool = false) throws -> IngestOutcome {
        var record = initial
        let verdict = RobotDetector.verdict(for: router.robotEvidence(for: message))
        switch verdict {
        case .human:
            break
        case .autoReply(let reason):
            return try storeRobot(&record, message: message, kind: TopicCatalog.autoReply, detail: reason, in: tx, existing: existing)
        case .loop(let reason):
            return try storeRobot(&record, message: message, kind: "loop", detail: reason, in: tx, existing: existing)
        case .mailingList(let id):
            return try storeRobot(&record, message: message, kind: "list", detail: id, in: tx, existing: existing)
        case .bounce(let report):
            let detail = report.recipients.map { r in
                [r.address, r.status ?? "", r.diagnostic ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
            }.joined(separator: "; ")
            let outcome = try storeRobot(&record, message: message, kind: TopicCatalog.bounce, detail: detail, in: tx, existing: existing)
            try BounceLinker.link(report, bounceMessageId: record.id!, in: tx, at: clock())
            return outcome
        }

        let sender = record.fromAddress
        let facts = InboundThreadingFacts(messageID: message.messageID, inReplyTo: message.inReplyTo,
                                          references: message.references, subject: record.subject,
                                          senderAddress: sender, date: message.date ?? record.receivedAt)
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
            found.lastActivityAt = max(found.lastActivityAt, now)
            try tx.update(found)
            conversation = found
        } else {
            conversation = try openConversation(for: record, message: message, in: tx)
            isNew = true
        }
        let conversationId = conversation.id!
        try tx.addParticipant(sender, toConversation: conversationId)
        record.conversationId = conversationId
        record.state = .accepted
        if existing {
            try tx.update(record)
        } else {
            record = try tx.insert(record, attachments: attachmentRecords(message))
        }
        return .accepted(messageId: record.id!, conversationId: conversationId, newConversation: isNew)
    }

    private func openConversation(for record: MessageRecord, message: Message, in tx: StoreTransaction) throws -> ConversationRecord {
        let subject = record.subject
        let campaignTopic = try tx.campaignTopic(answeringAny: message.inReplyTo + message.references)
        // Routing reads the start of the new text only: a topic shows in the first screenfuls,
        // and a hostile 25 MB text body must not cost seconds of tokenising.
        let sample = String(record.newText.unicodeScalars.prefix(Ingestor.routingSampleLength))
        let classification = router.classify(subject: subject, text: sample)
        var conversation = ConversationRecord(
            subject: subject, normalizedSubject: SubjectNormalizer.normalize(subject),
            topic: campaignTopic ?? classification.topic, confidence: campaignTopic == nil ? classification.confidence : 1,
            contactAddress: record.fromAddress, at: record.receivedAt)
        conversation.topicSource = campaignTopic == nil ? "classifier" : "campaign"
        conversation.contactName = record.fromName
        conversation.senderKind = SenderKindClassifier.kind(
            address: record.fromAddress, text: sample,
            internalDomains: config.routing.internalDomains, businessDomains: config.routing.businessDomains).rawValue
        conversation.language = LanguageGuess.isEnglish(subject + "\n" + sample) ? "en" : "sv"
        conversation = try tx.insert(conversation)
        try tx.record(EventRecord(at: record.receivedAt, conversationId: conversation.id, actor: "poller", kind: "opened",
                                  detail: "topic \(conversation.topic) (\(Int(conversation.confidence * 100))%)"))
        return conversation
    }

    private func storeRobot(_ record: inout MessageRecord, message: Message, kind: String, detail: String,
                            in tx: StoreTransaction, existing: Bool) throws -> IngestOutcome {
        record.state = .robot
        record.robotKind = kind
        record.robotDetail = String(detail.prefix(500))
        if existing {
            try tx.update(record)
        } else {
            record = try tx.insert(record, attachments: attachmentRecords(message))
        }
        return .robot(messageId: record.id!, kind: kind)
    }
}
