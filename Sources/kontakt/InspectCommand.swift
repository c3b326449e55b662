import ArgumentParser
import Foundation
import KontaktCore
import MailMessage
import Store

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what the parser sees in a mail: headers, addresses, text, new text, attachments, defects.",
        discussion: """
            For debugging a mail that was sorted or shown oddly, and for a quarantined message: --id N reads the stored bytes of message N (ids from `kontakt queue --quarantine`).

            Examples:
              kontakt inspect fraga.eml
              kontakt inspect --id 42 --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A mail file (.eml).") var file: String?
    @Option(help: "A stored message id instead of a file.") var id: Int64?
    @Flag(help: "Print JSON (MessageSummary, snake_case).") var json = false

    func validate() throws {
        if (file == nil) == (id == nil) { throw ValidationError("give a mail file, or --id N") }
    }

    func run() throws {
        try reportingErrors {
            let bytes: [UInt8]
            var state: String?
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else { throw Failure("cannot read \(file) — check the path") }
                bytes = [UInt8](data)
            } else {
                let session = try Session(global)
                guard let (message, raw) = try session.store.read({ tx in try tx.message(id: id!).map { ($0, try tx.raw(of: $0)) } }) else {
                    throw Failure("message \(id!) does not exist — see `kontakt queue --quarantine` for ids")
                }
                guard let raw else { throw Failure("message \(id!) has no stored bytes (purged)") }
                bytes = [UInt8](raw)
                state = message.state.rawValue
            }
            let summary: MessageSummary
            do { summary = try Message.parse(bytes, options: .lenient).summary } catch {
                throw Failure("the parser gave up on this message: \(error)")
            }
            if json { print(try JSONOutput.string(summary)); return }
            func boxes(_ list: [MessageSummary.Mailbox]) -> String {
                list.map { box in box.name.map { "\($0) <\(box.address)>" } ?? box.address }.joined(separator: ", ")
            }
            if let state { print("state:       \(state)") }
            print("subject:     \(summary.subject ?? "(none)")")
            print("from:        \(boxes(summary.from))")
            print("to:          \(boxes(summary.to))")
            if !summary.cc.isEmpty { print("cc:          \(boxes(summary.cc))") }
            print("date:        \(summary.date ?? "(none)")")
            print("message-id:  \(summary.messageID ?? "(none)")")
            if !summary.inReplyTo.isEmpty { print("in-reply-to: \(summary.inReplyTo.joined(separator: " "))") }
            if !summary.references.isEmpty { print("references:  \(summary.references.joined(separator: " "))") }
            for a in summary.attachments {
                print("attachment:  \(a.filename ?? "(no name)")  \(a.contentType)  \(a.size) bytes  sha256 \(a.sha256.prefix(12))")
            }
            for d in summary.defects { print("defect:      \(d)") }
            print("\n--- new text ---\n\(summary.newText)")
            if summary.text != summary.newText { print("--- full text ---\n\(summary.text)") }
        }
    }
}
