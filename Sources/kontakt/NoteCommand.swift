import ArgumentParser
import Foundation
import KontaktCore

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note",
        abstract: "Add an internal note to a conversation (never sent).",
        discussion: """
            Notes show in `kontakt show`; adding one is recorded as an event with time and actor.

            Examples:
              kontakt note 12 "Ringde upp, skickar bilderna på fredag"
              kontakt note 12 Väntar på svar från HR
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conversation id.") var id: ConversationID
    @Argument(parsing: .remaining, help: "The note text.") var text: [String] = []

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let desk = try session.desk()
            try desk.note(id.value, text: text.joined(separator: " "))
            if !global.quiet { print("#\(id.value): anteckning sparad (note saved)") }
        }
    }
}
