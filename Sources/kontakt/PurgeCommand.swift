import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove the personal data of closed conversations older than the retention period.",
        discussion: """
            For every conversation closed before the cutoff: raw messages, texts, subjects, addresses, names, attachment metadata, notes, corrections, outbox copies and search-index rows are removed. Kept, anonymous: topic, sender kind, language, and the created, answered and closed dates, so statistics still count the conversation. Auto-replies and bounces outside any conversation older than the cutoff are anonymised too. Open and answered conversations are never touched; nor are closed ones with mail still waiting in the outbox.

            DURATION is a number and a unit: d (days), w (weeks), m (calendar months), y (years). Default: [retention] days from the config (365 unless set).

            Examples:
              kontakt purge --dry-run
              kontakt purge --older-than 2y
              kontakt purge --older-than 365d --json
              30 3 1 * *  kontakt --config /etc/kontakt/kontakt.toml purge --quiet
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("older-than"), help: ArgumentHelp("Retention period, e.g. 365d, 12w, 6m, 1y.", valueName: "duration"))
    var olderThan: String?
    @Flag(name: .customLong("dry-run"), help: "Only count what would be removed.") var dryRun = false
    @Flag(help: "Print the counts as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let retention = try olderThan.map { s throws(KontaktError) in try RetentionPeriod.parse(s) } ?? .days(config.retentionDays)
            let store = try global.openStore(config)
            let summary = try Purger(store: store, logger: Logger(label: "purge")).run(retention: retention, dryRun: dryRun)
            if json { print(try JSONOutput.string(summary)); return }
            guard !global.quiet else { return }
            let r = summary.removed
            let verb = dryRun ? "would purge" : "purged"
            print("\(verb) \(r.conversations) conversations closed before \(StatusFormat.iso(summary.cutoff)) (\(summary.retention)): "
                  + "\(r.messages) messages, \(r.attachments) attachments, \(r.notes) notes, \(r.corrections) corrections, "
                  + "\(r.outboxEntries) outbox entries; \(r.robotMessages) robot messages")
            if r.skippedWithPendingOutbox > 0 {
                print("kept \(r.skippedWithPendingOutbox) closed conversations with mail still to send")
            }
        }
    }
}
