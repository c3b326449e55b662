import ArgumentParser
import Foundation
import KontaktCore
import Routing
import Logging
import MailMessage
import Store

struct ReplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "Write a reply to a conversation and put it in the outbox (`kontakt send` sends it).",
        discussion: """
            Without -m or --file, $VISUAL or $EDITOR (else vi) opens a draft made from the template — by default the one named after the conversation's topic, in the conversation's language — with the question quoted. Saving an empty draft, or leaving it unchanged (as :q! in vi does), queues nothing; --as-is queues the template unchanged without an editor. A first line "Subject: …" in the draft sets the subject; otherwise it is "SV: <subject> [Kontakt #id]". -m and --file take the whole reply text; the signature is added unless the text has it. The reply is threaded (In-Reply-To, References) on the sender's latest message, and the conversation counts as answered once the reply is queued.

            With --topic, one individual reply from --template goes to every open conversation of that topic, resting ones (`kontakt snooze`) included (each rendered for its own sender and language). Kontakt says how many and asks first; --yes answers for scripts, and without a terminal it refuses unless --yes.

            Replies wait in the outbox for `kontakt send` (cron); --send sends them at once.

            A template with a syntax error or an unknown variable is refused with its file and line before anything is queued.

            Examples:
              kontakt reply 12
              kontakt reply 12 --template material --attach bilder.pdf
              kontakt reply 12 -m "Hej! Bilderna kommer på fredag."
              kontakt reply 12 --file svar.txt --dry-run
              kontakt reply 12 --template material --as-is
              kontakt reply 12 -m "Tack, vi återkommer." --send
              kontakt reply --topic material --template material --attach chefens-dag.pdf
              kontakt reply --topic material --template material --yes
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conversation id.") var id: ConversationID?
    @Option(help: "Reply to every open conversation of this topic.") var topic: String?
    @Option(help: "Template name (templates/NAME.LANG.mustache); default: the conversation's topic.") var template: String?
    @Option(name: [.customShort("m"), .customLong("message")], help: "The reply text.") var message: String?
    @Option(help: ArgumentHelp("Read the reply text from this file (- for stdin).", valueName: "file")) var file: String?
    @Option(help: ArgumentHelp("Attach a file (repeatable).", valueName: "file")) var attach: [String] = []
    @Flag(help: "Queue the template's text without opening an editor.") var asIs = false
    @Flag(help: "Print the exact message instead of queuing it.") var dryRun = false
    @Flag(help: "Do not ask before replying to a whole topic.") var yes = false
    @Flag(help: "Send at once over SMTP instead of waiting for the next `kontakt send`.") var send = false
    @Flag(help: "Print what was queued as JSON.") var json = false

    func validate() throws {
        if topic != nil {
            guard id == nil else { throw ValidationError("give either a conversation id or --topic, not both") }
            guard template != nil else { throw ValidationError("--topic needs --template NAME") }
            guard message == nil, file == nil else { throw ValidationError("--topic replies come from --template, not -m/--file") }
        } else {
            guard id != nil else { throw ValidationError("give a conversation id (see `kontakt queue`) or --topic") }
        }
        if message != nil && file != nil { throw ValidationError("give either -m or --file") }
        if (message != nil || file != nil) && (template != nil || asIs) {
            throw ValidationError("-m/--file is the whole reply; leave out --template and --as-is")
        }
    }

    struct Queued: Encodable {
        var conversation: Int64
        var outbox: Int64
        var messageID: String
        var to: [String]
        var subject: String
        enum CodingKeys: String, CodingKey { case conversation, outbox, to, subject, messageID = "message_id" }
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let desk = ReplyDesk(config: session.config, store: session.store, catalog: try session.catalog())
            let attachments = try ReplyDesk.attachments(paths: attach)
            if let topic {
                try replyToTopic(topic, desk: desk, attachments: attachments, session: session)
                return
            }
            let id = self.id!.value
            var subject: String?
            let body: String
            if let message {
                body = desk.withSignature(message)
            } else if let file {
                body = desk.withSignature(try readText(file))
            } else {
                let draft = try desk.draft(id, template: template)
                if asIs {
                    (subject, body) = (draft.subject, draft.body)
                } else {
                    switch try Editor.edit(Editor.join(subject: draft.subject, body: draft.body), name: "svar-\(id).txt") {
                    case .abandoned(let why): throw Failure(why)
                    case .edited(let text): (subject, body) = Editor.split(text)
                    }
                }
            }
            if dryRun {
                FileHandle.standardOutput.write(Data(try desk.preview(id, body: body, subject: subject, attachments: attachments)))
                return
            }
            let entry = try desk.queue(id, body: body, subject: subject, attachments: attachments,
                                       template: message == nil && file == nil ? (template ?? "topic") : nil)
            report([entry])
            if send { try sendNow([entry], session: session) }
        }
    }

    private func replyToTopic(_ topic: String, desk: ReplyDesk, attachments: [OutgoingAttachment], session: Session) throws {
        let catalog = desk.catalog
        guard catalog.topic(id: topic) != nil else {
            throw KontaktError.unknownTopic(topic, choices: catalog.ids + [TopicCatalog.unsorted])
        }
        let ids = try desk.openConversations(topic: topic)
        guard !ids.isEmpty else {
            print("Inga öppna ärenden i \(topic). (No open conversations; nothing queued.)")
            return
        }
        // Render every draft first: a broken template fails here, before the question is asked.
        for id in ids { _ = try desk.draft(id, template: template) }
        if dryRun {
            print("would queue \(ids.count) replies with template \(template!) to: " + ids.map { "#\($0)" }.joined(separator: " "))
            return
        }
        if !yes {
            guard Terminal.stdinIsTTY else {
                throw Failure("refusing to queue \(ids.count) replies without confirmation — add --yes")
            }
            guard Terminal.confirm("Lägga \(ids.count) svar med mallen \(template!) i utkorgen, ett till varje öppet ärende i \(catalog.title(for: topic))?") else {
                throw Failure("nothing queued")
            }
        }
        let entries = try desk.queueToTopic(topic, template: template!, attachments: attachments)
        report(entries)
        if send { try sendNow(entries, session: session) }
    }

    /// `--send`: the queued entries go out now, through the same outbox as `kontakt send`
    /// (same lock, same exactly-once bookkeeping), and nothing else that waits in it.
    private func sendNow(_ entries: [OutboxRecord], session: Session) throws {
        let outbox = Outbox(config: session.config, store: session.store, logger: Logger(label: "reply"))
        let summary = try outbox.send(ids: entries.compactMap(\.id))
        if !json && !global.quiet {
            print("skickat \(summary.sent), uppskjutet \(summary.deferred), misslyckat \(summary.failed)"
                  + " (sent, deferred, failed; see `kontakt outbox`)")
        }
        if let error = summary.exitError { throw error }
    }

    private func report(_ entries: [OutboxRecord]) {
        if json {
            print((try? JSONOutput.string(entries.map {
                Queued(conversation: $0.conversationId ?? 0, outbox: $0.id ?? 0, messageID: $0.messageID,
                       to: $0.recipientList, subject: $0.subject)
            })) ?? "[]")
        } else if !global.quiet {
            for e in entries {
                print("#\(e.conversationId ?? 0): svar i utkorgen (outbox \(e.id ?? 0)) till \(e.recipientList.joined(separator: ", "))")
            }
            if entries.count > 1 { print("\(entries.count) svar köade; `kontakt send` skickar dem.") }
        }
    }

    private func readText(_ path: String) throws -> String {
        let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
        guard let data else { throw Failure("cannot read \(path) — check the path") }
        return String(decoding: data, as: UTF8.self)
    }
}
