import Foundation
import MailMessage
import Routing
import Store

/// The automatic receipt for a new human conversation ("Tack, vi har fått din fråga").
///
/// Loop safety comes in layers: robots never reach here (RobotDetector), receipts carry
/// `Auto-Submitted: auto-replied` and our `X-Loop` (so another Kontakt, or any RFC 3834
/// responder, will not answer them), they go out with the null sender, never to our own
/// address, never for backlog, and at most one per sender per 24 hours. Two installations
/// acknowledging each other therefore exchange at most one message each way.
struct Acknowledger {
    let config: KontaktConfig
    let composer: ReplyComposer
    let template: MailTemplate

    init(config: KontaktConfig, catalog: TopicCatalog) throws(KontaktError) {
        self.config = config
        composer = ReplyComposer(config: config, catalog: catalog)
        do {
            template = try TemplateLibrary(directory: config.templatesDirectory).template(named: config.acknowledgement.template)
            try template.validate(knownVariables: TemplateVariables.reply)
        } catch {
            throw KontaktError.invalid("receipt template: \(error)")
        }
    }

    /// Queues a receipt for a newly opened conversation, if one is due. Returns true when queued.
    func acknowledgeIfDue(conversationId: Int64, messageId: Int64, isBacklog: Bool, in tx: StoreTransaction, now: Date) throws -> Bool {
        guard !isBacklog, let conversation = try tx.conversation(id: conversationId),
              let message = try tx.message(id: messageId) else { return false }
        let sender = message.fromAddress.lowercased()
        let own = [config.identity.address.lowercased(), config.identity.replyTo?.lowercased()].compactMap { $0 }
        guard !sender.isEmpty, !own.contains(sender) else { return false }
        if let last = try tx.lastReceipt(to: sender), now.timeIntervalSince(last) < 24 * 3600 { return false }
        let lang = conversation.language
        let tmpl = (try? TemplateLibrary(directory: config.templatesDirectory).template(named: config.acknowledgement.template, language: lang)) ?? template
        let values = TemplateVariables.forReply(conversation: conversation, message: message, catalog: composer.catalog,
                                                identity: config.identity, tag: config.routing.threadTag, now: now)
        let rendered: (subject: String?, body: String)
        do { rendered = try tmpl.render(values) } catch { throw KontaktError.invalid("receipt template: \(error)") }
        guard let recipient = try? composer.recipient(for: conversation, lastInbound: message),
              recipient.address.lowercased() == sender else {
            // A receipt goes only to the address that wrote (never to a Reply-To someone else chose).
            return false
        }
        var draft = try composer.compose(conversation: conversation, lastInbound: message, history: [], body: rendered.body,
                                         automatic: true, now: now)
        if let subject = rendered.subject, !subject.isEmpty {
            draft.message.subject = SubjectNormalizer.tagged(subject, id: Int(conversationId), tagName: config.routing.threadTag)
        }
        try composer.enqueue(draft, kind: .receipt, conversationId: conversationId, createdBy: "poller", in: tx, now: now)
        try tx.record(EventRecord(at: now, conversationId: conversationId, actor: "poller", kind: "receipt-queued"))
        return true
    }
}
