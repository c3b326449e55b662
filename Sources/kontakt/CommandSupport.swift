import ArgumentParser
import Foundation
import KontaktCore
import Routing
import Store

/// A conversation id on the command line: "12" or "#12" (as the queue prints it).
struct ConversationID: ExpressibleByArgument, Sendable {
    var value: Int64

    init?(argument: String) {
        let digits = argument.hasPrefix("#") ? String(argument.dropFirst()) : argument
        guard let value = Int64(digits), value > 0 else { return nil }
        self.value = value
    }

    static var defaultValueDescription: String { "id" }
}

/// What most queue commands open: the config, the store and the router trained on corrections.
struct Session {
    let config: KontaktConfig
    let store: Store

    init(_ global: GlobalOptions) throws {
        config = try global.load()
        store = try global.openStore(config)
    }

    func router() throws -> Router {
        try Router(config: config, store: store)
    }

    /// The desk for the director's changes by hand (route, close, merge, …).
    func desk() throws -> DirectorDesk {
        DirectorDesk(store: store, router: try router())
    }

    func catalog() throws -> TopicCatalog {
        try Router.topicCatalog(config: config)
    }
}

/// Dates as the director reads them: local time, minutes.
enum DateText {
    static func short(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "sv_SE")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }

    /// "2026-11-23" (local midnight) or a full ISO 8601 time.
    static func parse(_ text: String) -> Date? {
        CalendarDay.start(of: text) ?? ISO8601DateFormatter().date(from: text)
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "–" }
        if seconds < 3600 { return "\(Int((seconds / 60).rounded())) min" }
        if seconds < 48 * 3600 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f d", seconds / 86400)
    }
}
