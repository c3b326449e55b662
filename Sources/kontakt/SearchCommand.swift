import ArgumentParser
import Foundation
import KontaktCore
import Routing
import Store

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search every message's subject, text and sender; best matches first.",
        discussion: """
            Full text (SQLite FTS5). Accents and case do not matter and every word matches as a prefix: "frag" finds "fråga" and "frågor". Every word must occur. Automatic replies and bounces are not searched.

            Terms of the form field:value narrow the search, as in notmuch: topic:ID (a topic id, see etc/topics.toml), status:open|answered|closed, kind:colleague|business|resident (the sender kind), from:PART (part of the sender's address), after:YYYY-MM-DD and before:YYYY-MM-DD (received). Terms alone, without words, list the matching messages, newest first.

            Examples:
              kontakt search frag
              kontakt search "presentation styra"
              kontakt search oberg --json
              kontakt search länk status:open topic:utvardering
              kontakt search kind:business after:2026-11-20
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
            let text = words.joined(separator: " ")
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Failure("give words to search for, e.g. kontakt search fråga, or terms such as status:open")
            }
            let session = try Session(global)
            let catalog = try session.catalog()
            let query = try SearchQuery.parse(text, topics: catalog.ids + [TopicCatalog.unsorted])
            let hits = try session.store.read { tx in try tx.search(query.words, filter: query.filter, limit: limit) }
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
