import ArgumentParser
import Foundation
import KontaktCore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Conversations per topic and sender kind, their status, and the time to a first answer.",
        discussion: """
            Time to first answer is from the first message to the first reply queued by the director (median and 90th percentile, nearest rank). Automatic replies and bounces are not counted. --since takes a date (2026-11-01) or an ISO 8601 time.

            Examples:
              kontakt stats
              kontakt stats --since 2026-11-01
              kontakt stats --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Only conversations opened on or after this date.", valueName: "date")) var since: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            var from: Date?
            if let since {
                guard let date = DateText.parse(since) else { throw Failure("--since \(since): write a date as 2026-11-01") }
                from = date
            }
            let session = try Session(global)
            let stats = try QueueStatistics.compute(store: session.store, since: from, catalog: try session.catalog())
            if json { print(try JSONOutput.string(stats)); return }
            let colour = Terminal.colour
            print(Terminal.bold("Ärenden\(from.map { " sedan \(DateText.short($0))" } ?? ""): \(stats.total)", colour)
                  + "  öppna \(stats.open), besvarade \(stats.answered), stängda \(stats.closed)")
            print("")
            print(Terminal.bold(QueueFormat.pad("ämne", 44) + "öppna  besv.  stängda  totalt", colour))
            for t in stats.topics {
                print(QueueFormat.pad(String(t.title.prefix(42)), 44) + QueueFormat.pad("\(t.open)", 7)
                      + QueueFormat.pad("\(t.answered)", 7) + QueueFormat.pad("\(t.closed)", 9) + "\(t.total)")
            }
            print("")
            print(Terminal.bold("Avsändare", colour) + "  " + stats.senderKinds.map { "\($0.name) \($0.total)" }.joined(separator: ", "))
            print(Terminal.bold("Tid till första svar", colour) + "  median \(DateText.duration(stats.firstAnswer.medianSeconds)), "
                  + "90:e percentilen \(DateText.duration(stats.firstAnswer.p90Seconds)) (\(stats.firstAnswer.answered) besvarade)")
        }
    }
}
