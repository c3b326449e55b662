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

    /// Midnight at the start of the day `days` after today's (`snooze --days`, `answer`'s `v`).
    /// Counted in calendar days, so a change to or from summer time moves no wake-up to 23:00.
    public static func start(daysAfterToday days: Int, now: Date = Date(), calendar: Calendar = .current) -> Date {
        let today = calendar.startOfDay(for: now)
        return calendar.date(byAdding: .day, value: days, to: today) ?? today.addingTimeInterval(Double(days) * 86_400)
    }
}
