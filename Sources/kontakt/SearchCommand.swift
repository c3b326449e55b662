import ArgumentParser
import Foundation
import KontaktCore
import Store

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search every message's subject, text and sender; best matches first.",
        discussion: """
            Full text (SQLite FTS5). Accents and case do not matter and every word matches as a prefix: "frag" finds "fråga" and "frågor". Every word must occur. Automatic replies and bounces are not searched.

            Examples:
              kontakt search frag
              kontakt search "presentation styra"
              kontakt search oberg --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(parsing: .remaining, help: "Words to search for.") var words: [String] = []
    @Option(help: "At most this many results.") var limit = 50
    @Flag(help: "Print JSON.") var json = false

    struct Hit: Encodable {
        var conversation: Int64?
        var message: Int64
        var subject: String
        var from: String
        var date: Date
        var snippet: String
        var rank: Double
    }

    func run() throws {
        try reportingErrors {
            let query = words.joined(separator: " ")
            guard !query.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Failure("give words to search for, e.g. kontakt search fråga")
            }
            let session = try Session(global)
            let hits = try session.store.read { tx in try tx.search(query, limit: limit) }
            let items = hits.map { Hit(conversation: $0.conversationId, message: $0.messageId, subject: $0.subject,
                                       from: $0.fromAddress, date: $0.receivedAt, snippet: $0.snippet, rank: $0.rank) }
            if json { print(try JSONOutput.string(items)); return }
            if items.isEmpty { print("Inga träffar. (No matches.)"); return }
            let colour = Terminal.colour
            for hit in items {
                let id = hit.conversation.map { "#\($0)" } ?? "msg \(hit.message)"
                print(Terminal.bold(QueueFormat.pad(id, 6), colour) + DateText.short(hit.date) + "  "
                      + QueueFormat.pad(String(hit.from.prefix(30)), 31) + hit.subject)
                let snippet = hit.snippet.replacingOccurrences(of: "\n", with: " ")
                print("      " + (colour ? snippet.replacingOccurrences(of: "[", with: "\u{1B}[1m").replacingOccurrences(of: "]", with: "\u{1B}[0m") : snippet))
            }
        }
    }
}
