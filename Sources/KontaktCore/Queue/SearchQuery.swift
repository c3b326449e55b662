import Foundation
import Routing
import Store

/// A search as the director types it: words for the full-text index, and notmuch-style
/// `field:value` terms that narrow it — "utvärdering status:open topic:utvardering",
/// "from:anna after:2026-11-20". Kept apart from the store so that the typing rules (field
/// names, dates, what counts as a mistake) live in one place and are tested without one.
public struct SearchQuery: Sendable, Equatable {
    /// The words for the full-text index, joined by spaces.
    public var words: String
    public var filter: SearchFilter

    /// The fields a term may name.
    public static let fields = ["topic", "status", "kind", "from", "after", "before"]

    /// Splits `text` into words and field terms. A term with a field name Kontakt does not know
    /// ("http://…", "kl:10") stays a word. `topics` are the topic ids that `topic:` accepts.
    public static func parse(_ text: String, topics: [String], timeZone: TimeZone = .current) throws(KontaktError) -> SearchQuery {
        var words: [Substring] = []
        var filter = SearchFilter()
        for token in text.split(whereSeparator: \.isWhitespace) {
            guard let colon = token.firstIndex(of: ":"), fields.contains(token[..<colon].lowercased()) else {
                words.append(token)
                continue
            }
            let field = token[..<colon].lowercased()
            let value = String(token[token.index(after: colon)...])
            guard !value.isEmpty else { throw KontaktError.invalid("\(field): needs a value, e.g. \(example(field))") }
            switch field {
            case "topic":
                guard topics.contains(value) else { throw KontaktError.unknownTopic(value, choices: topics) }
                filter.topic = value
            case "status":
                guard let status = ConversationRecord.Status(rawValue: value.lowercased()) else {
                    throw KontaktError.invalid("status: is open, answered or closed")
                }
                filter.status = status
            case "kind":
                guard let kind = SenderKind(rawValue: value.lowercased()) else {
                    throw KontaktError.invalid("kind: is \(SenderKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.senderKind = kind.rawValue
            case "from":
                filter.from = value
            default:
                guard let day = CalendarDay.start(of: value, timeZone: timeZone) else {
                    throw KontaktError.invalid("\(field): takes a date as YYYY-MM-DD, e.g. \(example(field))")
                }
                if field == "after" { filter.after = day } else { filter.before = day }
            }
        }
        return SearchQuery(words: words.joined(separator: " "), filter: filter)
    }

    private static func example(_ field: String) -> String {
        switch field {
        case "topic": "topic:material"
        case "status": "status:open"
        case "kind": "kind:business"
        case "from": "from:anna"
        default: "\(field):2026-11-20"
        }
    }
}
