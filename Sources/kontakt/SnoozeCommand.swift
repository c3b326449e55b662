import ArgumentParser
import Foundation
import KontaktCore

struct SnoozeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snooze",
        abstract: "Let open conversations rest until a date: out of the queue until then.",
        discussion: """
            For a question that waits on something else, such as the material being ready. The conversation comes back into the queue by itself on the date (at midnight, local time), or at once when the sender writes again; `kontakt reopen ID` wakes it earlier, and `kontakt queue --snoozed` lists what rests. A topic-wide answer (`kontakt reply --topic`) still reaches resting conversations. Recorded as an event. Nothing is sent.

            Examples:
              kontakt snooze 12 --until 2026-12-07
              kontakt snooze 12 14 --days 3
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Conversation ids.") var ids: [ConversationID]
    @Option(help: ArgumentHelp("Rest until this day (YYYY-MM-DD).", valueName: "date")) var until: String?
    @Option(help: ArgumentHelp("Rest this many days.", valueName: "n")) var days: Int?

    func validate() throws {
        if ids.isEmpty { throw ValidationError("give at least one conversation id (see `kontakt queue`)") }
        if (until == nil) == (days == nil) { throw ValidationError("give either --until YYYY-MM-DD or --days N") }
        if let days, days < 1 { throw ValidationError("--days must be at least 1") }
        if let until, CalendarDay.start(of: until) == nil { throw ValidationError("--until takes a date as YYYY-MM-DD, e.g. 2026-12-07") }
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let desk = try session.desk()
            let wake = until.flatMap { CalendarDay.start(of: $0) }
                ?? CalendarDay.start(daysAfterToday: days ?? 1)
            for id in ids {
                let outcome = try desk.snooze(id.value, until: wake)
                if global.quiet { continue }
                if case .unchanged(let why) = outcome { print(why) } else { print("#\(id.value) vilar till \(DateText.short(wake)) (snoozed)") }
            }
        }
    }
}
