import Foundation
import MailMessage
import Routing
import Store

/// The director's replies: a draft from a template, then into the outbox (kind `reply`).
///
/// Nothing here sends: `kontakt send` takes what is queued. Queuing is the director's act of
/// answering, so it marks the conversation answered (and stamps `firstAnsweredAt` once) in
/// the same transaction as the outbox row and the event.
public struct ReplyDesk {
    public let config: KontaktConfig
    public let store: Store
    public let catalog: TopicCatalog
    public var actor: String
    public var clock: @Sendable () -> Date = { Date() }

    public init(config: KontaktConfig, store: Store, catalog: TopicCatalog, actor: String = DirectorDesk.currentActor()) {
        self.config = config
        self.store = store
        self.catalog = catalog
        self.actor = actor
    }

    var composer: ReplyComposer { ReplyComposer(config: config, catalog: catalog) }
    var library: TemplateLibrary { TemplateLibrary(directory: config.templatesDirectory) }

    /// A conversation with what a reply to it needs.
    public struct Context: Sendable {
        public var conversation: ConversationRecord
        public var lastInbound: MessageRecord?
        /// Message-IDs of the thread, oldest first.
        public var history: [String]
    }

    /// A rendered template, ready for the editor or the outbox.
    public struct Draft: Sendable {
        public var conversationId: Int64
        public var templateFile: String
        public var subject: String?
        public var body: String
    }

    public func context(_ id: Int64) throws -> Context {
        try store.read { tx in try context(id, in: tx) }
    }

    func context(_ id: Int64, in tx: StoreTransaction) throws -> Context {
        guard let conversation = try tx.conversation(id: id) else { throw DirectorDesk.missing(id, in: tx) }
        let messages = try tx.messages(inConversation: id)
        var history = messages.compactMap(\.messageID)
        history += try tx.outboxEntries(conversationId: id).filter { $0.kind == .reply }.map(\.messageID)
        let lastInbound = messages.last { $0.direction == .inbound && $0.state == .accepted }
            ?? messages.last { $0.direction == .inbound }
        return Context(conversation: conversation, lastInbound: lastInbound, history: history)
    }

    /// The template for a conversation — `name`, else its topic's — in its language, refused
    /// with file and line when it has a syntax error or names an unknown variable.
    public func template(named name: String?, for conversation: ConversationRecord) throws -> MailTemplate {
        let chosen = name ?? conversation.topic
        do {
            let template = try library.template(named: chosen, language: conversation.language)
            try template.validate(knownVariables: TemplateVariables.reply)
            return template
        } catch {
            throw KontaktError.invalid("\(error) — fix the template; nothing was queued")
        }
    }

    /// Renders the template for conversation `id` with the question quoted.
    public func draft(_ id: Int64, template name: String?) throws -> Draft {
        let context = try context(id)
        return try draft(context, template: template(named: name, for: context.conversation))
    }

    func draft(_ context: Context, template: MailTemplate) throws -> Draft {
        let values = TemplateVariables.forReply(conversation: context.conversation, message: context.lastInbound,
                                                catalog: catalog, identity: config.identity,
                                                tag: config.routing.threadTag, now: clock())
        do {
            let rendered = try template.render(values)
            return Draft(conversationId: context.conversation.id ?? 0, templateFile: template.file,
                         subject: rendered.subject, body: rendered.body)
        } catch {
            throw KontaktError.invalid("\(error) — fix the template; nothing was queued")
        }
    }

    /// A text written on the command line gets the signature, unless it already carries it.
    public func withSignature(_ text: String) -> String {
        let signature = config.identity.signature.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !signature.isEmpty, !body.contains(signature) else { return body + "\n" }
        return body + "\n\n" + signature + "\n"
    }

    /// Files to attach, checked now so that a typo fails before anything is queued.
    public static func attachments(paths: [String]) throws -> [OutgoingAttachment] {
        try paths.map { path in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  FileManager.default.isReadableFile(atPath: path) else {
                throw KontaktError.invalid("cannot read the attachment \(path) — check the path")
            }
            let name = (path as NSString).lastPathComponent
            return OutgoingAttachment(filename: name, contentType: MediaType.essence(forFileNamed: name), source: .file(path: path))
        }
    }

    /// The exact message a reply would be, without queuing it (`--dry-run`).
    public func preview(_ id: Int64, body: String, subject: String? = nil, attachments: [OutgoingAttachment] = []) throws -> [UInt8] {
        let draft = try compose(context(id), body: body, subject: subject, attachments: attachments)
        do { return try MessageBuilder.build(draft.message) } catch {
            throw KontaktError.invalid("cannot build the message: \(error)")
        }
    }

    func compose(_ context: Context, body: String, subject: String?, attachments: [OutgoingAttachment]) throws -> ReplyComposer.Draft {
        var draft = try composer.compose(conversation: context.conversation, lastInbound: context.lastInbound,
                                         history: context.history, body: body, automatic: false,
                                         attachments: attachments, now: clock())
        if let subject, !subject.isEmpty {
            draft.message.subject = SubjectNormalizer.tagged(subject, id: Int(context.conversation.id ?? 0),
                                                             tagName: config.routing.threadTag)
        }
        return draft
    }

    /// Queues one reply and marks the conversation answered.
    @discardableResult
    public func queue(_ id: Int64, body: String, subject: String? = nil, attachments: [OutgoingAttachment] = [],
                      template: String? = nil) throws -> OutboxRecord {
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw KontaktError.invalid("the reply is empty; nothing was queued")
        }
        return try store.write { tx in
            let context = try context(id, in: tx)
            return try queue(context, body: body, subject: subject, attachments: attachments, template: template, in: tx)
        }
    }

    private func queue(_ context: Context, body: String, subject: String?, attachments: [OutgoingAttachment],
                       template: String?, in tx: StoreTransaction) throws -> OutboxRecord {
        let now = clock()
        let draft = try compose(context, body: body, subject: subject, attachments: attachments)
        let entry = try composer.enqueue(draft, kind: .reply, conversationId: context.conversation.id, createdBy: actor,
                                         in: tx, now: now)
        var c = context.conversation
        if c.status == .open { c.status = .answered }
        c.snoozedUntil = nil
        if c.firstAnsweredAt == nil { c.firstAnsweredAt = now }
        c.lastActivityAt = max(c.lastActivityAt, now)
        try tx.update(c)
        var detail = "outbox \(entry.id ?? 0)"
        if let template { detail += ", template \(template)" }
        if !attachments.isEmpty { detail += ", \(attachments.count) attachment(s)" }
        try tx.record(EventRecord(at: now, conversationId: c.id, actor: actor, kind: "reply-queued", detail: detail))
        return entry
    }

    /// The open conversations of `topic`, oldest first: who a bulk reply would go to.
    public func openConversations(topic: String) throws -> [Int64] {
        try store.read { tx in try tx.queue(statuses: [.open], topic: topic) }.compactMap(\.conversation.id)
    }

    /// One individual reply from template `name` to every open conversation of `topic`, each in
    /// its own language, in one transaction: every template is rendered and every message built
    /// before the first is queued, so an error leaves the outbox untouched.
    public func queueToTopic(_ topic: String, template name: String, attachments: [OutgoingAttachment]) throws -> [OutboxRecord] {
        try store.write { tx in
            let ids = try tx.queue(statuses: [.open], topic: topic).compactMap(\.conversation.id)
            var entries: [OutboxRecord] = []
            for id in ids {
                let context = try context(id, in: tx)
                let draft = try draft(context, template: template(named: name, for: context.conversation))
                entries.append(try queue(context, body: draft.body, subject: draft.subject, attachments: attachments,
                                         template: name, in: tx))
            }
            return entries
        }
    }
}
