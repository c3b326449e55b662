import Foundation
import Store
import Testing
@testable import KontaktCore

@Suite struct SearchQueryTests {
    let topics = ["chefens-dag", "material", "utvardering", "osorterad"]
    let stockholm = TimeZone(identifier: "Europe/Stockholm")!

    @Test func fieldTermsNarrowAndTheRestAreWords() throws {
        let query = try SearchQuery.parse("länk Status:open topic:utvardering kind:Business från from:Anna@ after:2026-11-20 before:2026-12-01",
                                          topics: topics, timeZone: stockholm)
        #expect(query.words == "länk från")
        #expect(query.filter.status == .open && query.filter.topic == "utvardering")
        #expect(query.filter.senderKind == "business" && query.filter.from == "Anna@")
        // Local midnight: 2026-11-20 00:00 in Stockholm is 23:00 UTC the day before.
        #expect(query.filter.after == ISO8601DateFormatter().date(from: "2026-11-19T23:00:00Z"))
        #expect(query.filter.before == ISO8601DateFormatter().date(from: "2026-11-30T23:00:00Z"))
    }

    @Test func aColonIsNotAlwaysAField() throws {
        let query = try SearchQuery.parse("kl:10 https://kommun.example.se/program", topics: topics)
        #expect(query.words == "kl:10 https://kommun.example.se/program" && query.filter.isEmpty)
    }

    @Test(arguments: ["status:pending", "topic:parkering", "kind:robot", "after:20/11", "before:2026-13-01", "from:"])
    func mistakesAreRefusedWithWhatWouldDo(_ text: String) throws {
        let error = #expect(throws: KontaktError.self) { try SearchQuery.parse(text, topics: topics) }
        let field = String(text.prefix { $0 != ":" })
        #expect(error?.description.contains(field) == true || error?.description.contains("material") == true, "\(String(describing: error))")
    }
}

@Suite struct CalendarDayTests {
    /// Days are calendar days: three days after 2026-10-23 is midnight on the 26th in Stockholm,
    /// although summer time ends in between (a 72-hour step would land at 23:00 on the 25th).
    @Test func daysAfterTodayCrossSummerTime() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Stockholm")!
        let noon = try #require(ISO8601DateFormatter().date(from: "2026-10-23T10:00:00Z"))
        #expect(CalendarDay.start(daysAfterToday: 3, now: noon, calendar: calendar)
                == CalendarDay.start(of: "2026-10-26", timeZone: calendar.timeZone))
        #expect(CalendarDay.start(of: "2026-10-26", timeZone: calendar.timeZone) == ISO8601DateFormatter().date(from: "2026-10-25T23:00:00Z"))
        #expect(CalendarDay.start(of: "26/10/2026") == nil)
    }
}
