import ArgumentParser
import Foundation
import KontaktCore

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge one conversation into another: the same person, the same question.",
        discussion: """
            Every message, note, reply and event of SOURCE moves into TARGET, which waits for an answer if either did and keeps its topic. SOURCE's id lives on as an alias: its [Kontakt #N] tag in old subjects still threads into TARGET, and `kontakt show SOURCE` says where it went. Recorded as an event with time and actor. Nothing is sent.

            Examples:
              kontakt merge 14 9        # #14 goes into #9
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conversation to merge away.") var source: ConversationID
    @Argument(help: "The conversation that takes it in.") var target: ConversationID

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let desk = try session.desk()
            try desk.merge(source.value, into: target.value)
            if !global.quiet { print("#\(source.value) → #\(target.value) (sammanslagen, merged)") }
        }
    }
}
