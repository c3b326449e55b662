import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List what waits to be sent, what was deferred and what failed, with the server's answer.",
        discussion: """
            Shows queued, deferred and failed entries and those sent without the server's confirmation (a run was killed between the final dot and the reply). Each line gives the id for `kontakt retry ID` and `kontakt cancel ID`, the attempts, when the next attempt is due, and the last answer from the server per recipient.

            Examples:
              kontakt outbox
              kontakt outbox --all
              kontakt outbox --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Include sent and cancelled entries.") var all = false
    @Flag(help: "Print the entries as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let outbox = Outbox(config: config, store: store, logger: Logger(label: "outbox"))
            let entries = try outbox.entries(includeDone: all)
            if json {
                print(try JSONOutput.string(entries))
                return
            }
            if entries.isEmpty {
                print("The outbox is empty.")
                return
            }
            let time = Date.FormatStyle(date: .numeric, time: .shortened)
            for e in entries {
                let state = e.unconfirmed ? "sent?" : e.state
                var line = "#\(e.id)  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(e.kind.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                line += "\(e.recipients.joined(separator: ", "))  \"\(e.subject)\""
                if e.attempts > 0 { line += "  attempts \(e.attempts)" }
                if e.state == "deferred" { line += "  next \(e.nextAttemptAt.formatted(time))" }
                print(line)
                for r in e.recipientResults where !r.accepted { print("      \(r.address): \(r.reply)") }
                if let error = e.lastError { print("      \(error)") }
            }
        }
    }
}

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send a deferred, failed, cancelled or unconfirmed outbox entry again at the next `send`.",
        discussion: """
            Makes the entry due now with a fresh [smtp] max_retry_hours allowance; run `kontakt send` (or wait for cron) to send it. Entries the server confirmed cannot be retried: queue a new reply instead.

            Examples:
              kontakt retry 17
              kontakt retry 17 && kontakt send
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outbox entry's id (from `kontakt outbox`).") var id: Int64
    @Flag(help: "Print the entry as JSON.") var json = false

    func run() throws {
        try changeEntry(global: global, json: json, done: "queued; it goes out with the next `kontakt send`") { outbox in
            try outbox.retry(id: id)
        }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a queued, deferred or failed outbox entry so it is never sent.",
        discussion: """
            The entry stays in the outbox as `cancelled` (see `kontakt outbox --all`) and can be brought back with `kontakt retry ID`.

            Examples:
              kontakt cancel 17
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outbox entry's id (from `kontakt outbox`).") var id: Int64
    @Flag(help: "Print the entry as JSON.") var json = false

    func run() throws {
        try changeEntry(global: global, json: json, done: "cancelled") { outbox in
            try outbox.cancel(id: id)
        }
    }
}

extension ParsableCommand {
    /// `retry` and `cancel`: change one outbox entry, then print it as JSON or one line.
    fileprivate func changeEntry(global: GlobalOptions, json: Bool, done: String,
                                 _ change: (Outbox) throws -> OutboxEntry) throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let entry = try change(Outbox(config: config, store: store, logger: Logger(label: "outbox")))
            if json { print(try JSONOutput.string(entry)) } else if !global.quiet { print("#\(entry.id) \(done)") }
        }
    }
}
