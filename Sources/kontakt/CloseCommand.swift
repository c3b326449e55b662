import ArgumentParser
import Foundation
import KontaktCore

struct CloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a conversation: it leaves the queue until the sender writes again.",
        discussion: """
            Nothing is sent. Recorded as an event with time and actor. `kontakt reopen` undoes it.

            Examples:
              kontakt close 12
              kontakt close 12 13 14
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Conversation ids.") var ids: [ConversationID]

    func validate() throws {
        if ids.isEmpty { throw ValidationError("give at least one conversation id (see `kontakt queue`)") }
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let desk = try session.desk()
            for id in ids {
                let outcome = try desk.close(id.value)
                if global.quiet { continue }
                if case .unchanged(let why) = outcome { print(why) } else { print("#\(id.value) stängt (closed)") }
            }
        }
    }
}
