import ArgumentParser
import Foundation
import KontaktCore

struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Move a conversation to another topic and teach the classifier.",
        discussion: """
            The first message's subject and new text are kept as a correction labelled TOPIC; every later poll and `kontakt classify` trains on it. Recorded as an event with time and actor ($USER, else "director").

            Examples:
              kontakt route 12 material
              kontakt route '#7' styra-och-leda
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conversation id.") var id: ConversationID
    @Argument(help: "The topic id (see etc/topics.toml).") var topic: String

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            var desk = try session.desk()
            try desk.route(id.value, to: topic)
            if !global.quiet { print("#\(id.value) → \(topic) (\(desk.router.catalog.title(for: topic)))") }
        }
    }
}
