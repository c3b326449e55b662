import Foundation

/// A day as the director writes it on the command line: "2026-12-07", meaning its first moment
/// in local time (`snooze --until`, `search after:`, `stats --since`).
public enum CalendarDay {
    /// Midnight at the start of `text` (YYYY-MM-DD, strictly) in `timeZone`; nil for anything else.
    public static func start(of text: String, timeZone: TimeZone = .current) -> Date? {
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = timeZone
        parser.dateFormat = "yyyy-MM-dd"
        parser.isLenient = false
        return parser.date(from: text)
    }
}
