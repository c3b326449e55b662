import Foundation
import MailMessage
import Routing
import Store

/// An inbound message with everything worked out that needs no store: fingerprinted, parsed,
/// judged robot or human, and classified in case it opens a conversation (a reply only when
/// ingest finds it does).
///
/// Why a step of its own: this is most of what a message costs in CPU, and none of it depends
/// on the store, so the poller prepares each message on its fetch thread while its own thread
/// commits the ones before (BENCHMARKS.md "## Fetching"). What does depend on the store —
/// duplicate or not, which conversation, a campaign's topic — is decided when the message is
/// ingested, inside the transaction.
public struct InboundMessage: Sendable {
    /// The row to insert: hash and parsed fields; the origin is added at ingest.
    public internal(set) var record: MessageRecord
    /// The message's bytes, to be stored with the row; nil once they are in the raw file
    /// already (`storedRaw(as:)`).
    public private(set) var raw: [UInt8]?
    /// What threading needs of the parsed message; nil when the parser gave up (then the message
    /// is quarantined raw). The parsed tree itself is not kept: its decoded attachments would
    /// double the memory of every message waiting to be committed.
    let lineage: Lineage?
    /// Non-empty: the message is quarantined with these reasons.
    let quarantineReasons: [String]
    let attachments: [AttachmentRecord]
    let verdict: RobotVerdict
    /// Worked out only for a person's message that is not quarantined and answers no other:
    /// no other can open a conversation, and a reply nearly always joins one.
    let opening: ConversationOpening?
    /// Set once `storingRaw` found no stored copy: rows with a whole-message hash are never
    /// written any more, so that answer still holds at ingest, and the bytes (by then only in
    /// the raw file) need not be read and hashed a second time.
    private(set) var hasNoLegacyCopy = false

    /// The size of the raw message in bytes.
    public var size: Int { record.size }

    /// This message with its bytes already committed to the raw file under `key`
    /// (`Store.storeRaw`), so that ingesting it only refers to them. Only `storingRaw` makes
    /// one, right after finding no stored copy (`hasNoLegacyCopy`).
    fileprivate func storedRaw(as key: Int64) -> InboundMessage {
        var stored = self
        stored.record.rawKey = key
        stored.hasNoLegacyCopy = true
        stored.raw = nil
        return stored
    }

    struct Lineage: Sendable {
        var messageID: String?
        var inReplyTo: [String]
        var references: [String]
        var date: Date?
        var normalizedSubject: String
    }
}

/// What a new conversation takes from its first message.
struct ConversationOpening: Sendable {
    var normalizedSubject: String
    var classification: Classification
    var senderKind: SenderKind
    var isEnglish: Bool
}

extension Ingestor {
    /// How much of a message's new text routing reads (in Unicode scalars): about a page, more than
    /// any held-out inquiry needs (the classifier scores the same on them with or without the cap).
    static let routingSampleLength = 4_000

    /// Everything about `raw` that needs no store. Pure: safe on any thread.
    public func prepare(_ raw: [UInt8]) -> InboundMessage {
        prepared(raw).inbound
    }

    /// `prepare`, also handing back the parsed message (nil when the parser gave up), for
    /// `replay`, which rewrites a stored row's fields from it.
    func prepared(_ raw: [UInt8]) -> (inbound: InboundMessage, message: Message?) {
        var record = MessageRecord(direction: .inbound, contentHash: Ingestor.contentHash(raw), size: raw.count,
                                   receivedAt: Date(timeIntervalSince1970: 0), state: .accepted)
        // Attachments stay encoded: only their sizes are stored, and decoding them would be
        // most of the parse.
        guard let message = try? Message.parse(raw, options: ParseOptions(defersFileBodies: true)) else {
            // Lenient parsing records defects instead of throwing; should that promise ever
            // break, the message is kept raw and quarantined rather than lost.
            let reason = "the parser gave up on this message"
            record.state = .quarantined
            record.defects = MessageRecord.encodeList([reason])
            return (InboundMessage(record: record, raw: raw, lineage: nil, quarantineReasons: [reason], attachments: [],
                                   verdict: .human, opening: nil), nil)
        }
        let signature = Ingestor.fill(&record, from: message)
        // Normalised once: robot detection, the classifier and threading all read it.
        let normalizedSubject = SubjectNormalizer.normalize(record.subject)
        let reasons = Ingestor.quarantineReasons(message)
        if !reasons.isEmpty { record.state = .quarantined }
        let verdict = reasons.isEmpty
            ? RobotDetector.verdict(for: router.robotEvidence(for: message, normalizedSubject: normalizedSubject)) : .human
        let lineage = InboundMessage.Lineage(messageID: message.messageID, inReplyTo: message.inReplyTo,
                                              references: message.references, date: message.date,
                                              normalizedSubject: normalizedSubject)
        // Only a person's message that is not quarantined can open a conversation, and one that
        // answers another (In-Reply-To, References) nearly always joins that one's instead: its
        // opening — routing, most of this preparation — is worked out at ingest in the rare case
        // it finds none (`Ingestor.openConversation`).
        let opens = reasons.isEmpty && verdict == .human && message.inReplyTo.isEmpty && message.references.isEmpty
        let inbound = InboundMessage(record: record, raw: raw, lineage: lineage, quarantineReasons: reasons,
                                     attachments: Ingestor.attachmentRecords(message), verdict: verdict,
                                     opening: opens ? opening(for: record, signature: signature, normalizedSubject: normalizedSubject) : nil)
        return (inbound, message)
    }

    /// `opening(for:signature:normalizedSubject:)` for a message already stored, whose row keeps
    /// its full text but not the signature: for a reply that turns out to open a conversation,
    /// and for `split`.
    func opening(forStored record: MessageRecord, normalizedSubject: String) -> ConversationOpening {
        opening(for: record, signature: NewText.split(record.text).signature, normalizedSubject: normalizedSubject)
    }

    /// What a new conversation takes from `record`'s subject (normalised), sender, new text and
    /// `signature` (`NewText.Parts`).
    func opening(for record: MessageRecord, signature: String, normalizedSubject: String) -> ConversationOpening {
        // Routing reads the start of the new text only: a topic shows in the first screenfuls,
        // and a hostile 25 MB text body must not cost seconds of tokenising.
        let sample = String(record.newText.unicodeScalars.prefix(Ingestor.routingSampleLength))
        // Split once for the classifier and the language guess.
        let subjectWords = TextWords(normalizedSubject)
        let words = TextWords(sample)
        return ConversationOpening(
            normalizedSubject: normalizedSubject,
            classification: router.classify(normalizedSubject: subjectWords, text: words),
            // The signature too: "VD, Sjöberg Bygg AB" and "Org.nr …" stand there, below the
            // closing formula that ends the new text. Its end is enough (`cueWindow`).
            senderKind: SenderKindClassifier.kind(address: record.fromAddress,
                                                  text: sample + "\n" + String(signature.unicodeScalars.suffix(SenderKindClassifier.cueWindow)),
                                                  internalDomains: config.routing.internalDomains,
                                                  businessDomains: config.routing.businessDomains),
            isEnglish: (subjectWords.language + words.language).isEnglish)
    }

    /// `messages` with their bytes committed to the raw file, in one durable commit, ahead of
    /// the transaction that will ingest them (see the store's `RawMessageFile`: bytes are
    /// committed before any row refers to them, so a crash in between leaves unreferenced
    /// bytes, never a message without its own). A message already stored — a duplicate by
    /// content, or one `isStored` recognises (the poller: its UID) — keeps its bytes in memory
    /// and writes none, so a resync or a repeated import costs no writes; should it turn out new
    /// inside the transaction after all, the insert stores its bytes itself.
    public func storingRaw(_ messages: [InboundMessage], in store: Store, at now: Date,
                           isStored: (Int, StoreTransaction) throws -> Bool = { _, _ in false }) throws -> [InboundMessage] {
        var hashes = Set<String>()
        let fresh = try store.read { tx in
            try messages.indices.filter { index in
                // The same bytes twice in one group (an mbox holding a message twice): the second
                // is a duplicate of the first once that is ingested, so only the first writes.
                try messages[index].raw != nil && !isStored(index, tx) && storedCopy(of: messages[index], in: tx) == nil
                    && hashes.insert(messages[index].record.contentHash).inserted
            }
        }
        let keys = try store.storeRaw(fresh.map { messages[$0].raw! }, at: now)
        var result = messages
        for (index, key) in zip(fresh, keys) { result[index] = messages[index].storedRaw(as: key) }
        return result
    }

    static func attachmentRecords(_ message: Message) -> [AttachmentRecord] {
        message.attachments.enumerated().map { index, a in
            AttachmentRecord(messageId: 0, position: index, filename: a.filename, contentType: a.contentType,
                             size: a.size)
        }
    }
}
