import Foundation
import MailMessage
import Routing
import Store

/// Builds the replies Kontakt sends in a conversation: correct threading headers, our tag in
/// the subject, Swedish prefixes first, and the recipient checked before it can reach SMTP.
public struct ReplyComposer {
    public let config: KontaktConfig
    public let catalog: TopicCatalog

    public init(config: KontaktConfig, catalog: TopicCatalog) {
        self.config = config
        self.catalog = catalog
    }

    /// What a composed reply is made of, before it is queued.
    public struct Draft {
        public var message: OutgoingMessage
        public var envelopeFrom: String
        public var recipient: String
    }

    /// Where a reply to this conversation goes: the last inbound message's Reply-To when it is a
    /// plain, safe address, else its sender. Throws when neither is safe to hand to SMTP.
    public func recipient(for conversation: ConversationRecord, lastInbound: MessageRecord?) throws(KontaktError) -> Address {
        let candidates = [lastInbound?.replyTo, lastInbound?.fromAddress, conversation.contactAddress].compactMap { $0 }
        for candidate in candidates where !candidate.isEmpty {
            let address = Address(name: conversation.contactName, address: candidate)
            if address.isValidForEnvelope { return address }
        }
        throw KontaktError.invalid("conversation \(conversation.id ?? 0) has no usable reply address (the sender's address is malformed)")
    }

    /// A reply with `body` to `conversation`, threaded on its latest inbound message.
    public func compose(conversation: ConversationRecord, lastInbound: MessageRecord?, history: [String],
                        body: String, automatic: Bool, attachments: [OutgoingAttachment] = [], now: Date) throws(KontaktError) -> Draft {
        let to = try recipient(for: conversation, lastInbound: lastInbound)
        let from = Address(name: config.identity.name.isEmpty ? nil : config.identity.name, address: config.identity.address)
        let subject = replySubject(conversation)
        var message = OutgoingMessage(from: from, to: [to], subject: subject, text: body,
                                      messageID: MessageBuilder.makeMessageID(domain: config.identity.messageIDDomain),
                                      date: now)
        if let replyTo = config.identity.replyTo { message.replyTo = [Address(address: replyTo)] }
        message.attachments = attachments
        if let parent = lastInbound?.messageID {
            message.inReplyTo = parent
            // RFC 5322 §3.6.4: the parent's References plus the parent; trimmed, keeping the root.
            var refs = (lastInbound?.referencesList.split(separator: " ").map(String.init) ?? [])
            if refs.isEmpty, let irt = lastInbound?.inReplyTo { refs = [irt] }
            refs.append(parent)
            if refs.count > 12 { refs = [refs[0]] + refs.suffix(11) }
            message.references = refs
        } else if !history.isEmpty {
            message.references = Array(history.suffix(12))
            message.inReplyTo = history.last
        }
        var headers = [Header(name: "X-Loop", value: config.identity.loopID)]
        if automatic {
            headers.append(Header(name: "Auto-Submitted", value: "auto-replied"))
            headers.append(Header(name: "X-Auto-Response-Suppress", value: "All"))
        }
        message.extraHeaders = headers
        // Automatic mail goes out with the null sender (RFC 3834 §3.3) so that it can never bounce into a loop.
        return Draft(message: message, envelopeFrom: automatic ? "" : config.identity.address, recipient: to.address)
    }

    /// "SV: Fråga om materialet [Kontakt #42]": one prefix, the tag once.
    public func replySubject(_ conversation: ConversationRecord) -> String {
        let prefix = conversation.language == "en" ? "Re: " : "SV: "
        var base = conversation.subject
        let lowered = base.lowercased()
        if !(lowered.hasPrefix("sv:") || lowered.hasPrefix("re:")) { base = prefix + base }
        if base.trimmingCharacters(in: .whitespaces).isEmpty { base = prefix + "Din fråga" }
        return SubjectNormalizer.tagged(base, id: Int(conversation.id ?? 0), tagName: config.routing.threadTag)
    }

    /// Queues a composed draft as an outbox entry with its bytes built now.
    @discardableResult
    public func enqueue(_ draft: Draft, kind: OutboxRecord.Kind, conversationId: Int64?, createdBy: String,
                        in tx: StoreTransaction, now: Date) throws -> OutboxRecord {
        let raw: [UInt8]
        do { raw = try MessageBuilder.build(draft.message) } catch {
            throw KontaktError.invalid("cannot build the message: \(error)")
        }
        var entry = OutboxRecord(kind: kind, messageID: draft.message.messageID, envelopeFrom: draft.envelopeFrom,
                                 recipients: [draft.recipient], subject: draft.message.subject, at: now)
        entry.conversationId = conversationId
        entry.raw = Data(raw)
        entry.createdBy = createdBy
        return try tx.enqueue(entry)
    }
}
