import ArgumentParser
import Foundation
import KontaktCore

struct ReopenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Put a closed or answered conversation back in the queue.",
        discussion: """
            Recorded as an event with time and actor.

            Examples:
              kontakt reopen 12
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Conversation ids.") var ids: [ConversationID]

    func validate() throws {
        if ids.isEmpty { throw ValidationError("give at least one conversation id (see `kontakt queue --all`)") }
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let desk = try session.desk()
            for id in ids {
                let outcome = try desk.reopen(id.value)
                if global.quiet { continue }
                if case .unchanged(let why) = outcome { print(why) } else { print("#\(id.value) öppnat igen (reopened)") }
            }
        }
    }
}
