import ArgumentParser
import Foundation
import KontaktCore

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Move a received message out of a conversation into a conversation of its own.",
        discussion: """
            For a message that joined the wrong conversation: a stranger who wrote another person's [Kontakt #N], or a new question under an old subject (`?` in the queue). By default the last received message moves; --message picks another (`kontakt show ID` prints each message's number). The new conversation is routed as if the message had arrived alone. Recorded as an event in both conversations. Nothing is sent.

            Examples:
              kontakt split 12
              kontakt split 12 --message 31
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conversation the message is in.") var id: ConversationID
    @Option(help: ArgumentHelp("The message to move (default: the last one received).", valueName: "number"))
    var message: Int64?

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let desk = try session.desk()
            let fresh = try desk.split(id.value, message: message)
            if !global.quiet { print("#\(id.value) → #\(fresh) (utbrutet meddelande, split off)") }
        }
    }
}
