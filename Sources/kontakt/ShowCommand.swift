import ArgumentParser
import Foundation
import KontaktCore
import Store

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one conversation: every message with its new text, attachments, notes and events.",
        discussion: """
            Quoted history is folded away; --raw prints each stored message exactly as it arrived. --save-attachments DIR writes the attachments into DIR (which must exist) under cleaned names: never outside DIR, never over an existing file ("name (2).pdf" instead).

            Examples:
              kontakt show 12
              kontakt show '#12' --json
              kontakt show 12 --raw | less
              kontakt show 12 --save-attachments ~/Hämtade/arende-12
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conversation id (as `kontakt queue` shows it).") var id: ConversationID
    @Flag(help: "Print the stored messages as they arrived (RFC 5322 source).") var raw = false
    @Option(name: .customLong("save-attachments"), help: ArgumentHelp("Write the attachments into this folder.", valueName: "dir"))
    var saveAttachments: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            if let folder = saveAttachments {
                let saved = try AttachmentSaver(directory: folder).saveAttachments(ofConversation: id.value, from: session.store)
                if json { print(try JSONOutput.string(saved)); return }
                if saved.isEmpty { print("Inga bilagor i ärende #\(id.value). (No attachments.)") }
                for file in saved { print(file.path) }
                return
            }
            if raw {
                let messages = try session.store.read { tx -> [Data] in
                    guard try tx.conversation(id: id.value) != nil else {
                        throw KontaktError.notFound("conversation \(id.value) does not exist — see `kontakt queue --all` for the ids")
                    }
                    return try tx.messages(inConversation: id.value).map { try tx.raw(of: $0) ?? Data() }
                }
                for (index, raw) in messages.enumerated() {
                    if index > 0 { print("\n" + String(repeating: "=", count: 72) + "\n") }
                    FileHandle.standardOutput.write(raw)
                }
                return
            }
            let thread = try ThreadView.load(id: id.value, from: session.store, catalog: try session.catalog())
            if json { print(try JSONOutput.string(thread)); return }
            print(ThreadFormat.render(thread, colour: Terminal.colour))
        }
    }
}
