import ArgumentParser
import Foundation
import IMAP
import KontaktCore
import Logging

struct PollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Fetch new mail over IMAP, store it, thread it and sort it by topic.",
        discussion: """
            Made for cron: silent on success, one line on stderr on failure. Exit 75 when the server cannot be reached or another poll is running (cron simply tries again), 1 on other errors. Every message is committed to the store (its raw bytes to kontakt.raw.sqlite beside it) before the server is touched, then marked \\Seen and moved to [imap] processed_folder (or only marked, with after_fetch = "leave") at the end of each folder; fetching itself changes no flags, and nothing is deleted. A message that cannot be parsed is stored and quarantined (`kontakt queue --quarantine`), and the poll goes on.

            [hooks] after_poll runs a command after a poll that stored new mail, with counts only (the --json summary on its standard input; KONTAKT_STORED, KONTAKT_OPENED, KONTAKT_QUARANTINED): to tell the director by chat, text or mail. A hook that fails or hangs (60 s) is reported on stderr; the poll still succeeds.

            A budget ([imap] max_messages_per_poll and max_seconds_per_poll, or the options below) ends a long import early: what is stored stays stored, the rest is left for the next poll ("remaining" in --json), and mail that was already in the folder at the first poll is backlog, never acknowledged, however many polls the import takes.

            Examples:
              kontakt poll
              kontakt poll --json
              kontakt poll --max-messages 500 --verbose
              */5 * * * *  kontakt --config /etc/kontakt/kontakt.toml poll
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print a summary as JSON (fetched, stored, duplicates, quarantined, oversize, remaining, ...).") var json = false
    @Option(help: ArgumentHelp("Store at most this many new messages (overrides [imap] max_messages_per_poll).", valueName: "n"))
    var maxMessages: Int?
    @Option(help: ArgumentHelp("Stop committing after this many seconds (overrides [imap] max_seconds_per_poll).", valueName: "seconds"))
    var maxSeconds: Double?

    func validate() throws {
        if let maxMessages, maxMessages < 1 { throw ValidationError("--max-messages must be at least 1.") }
        if let maxSeconds, maxSeconds < 0 { throw ValidationError("--max-seconds must not be negative.") }
    }

    func run() throws {
        try reportingErrors {
            var config = try global.load()
            if let maxMessages { config.imap.maxMessagesPerPoll = maxMessages }
            if let maxSeconds { config.imap.maxSecondsPerPoll = maxSeconds }
            for warning in Secrets.warnings(for: [config.imap.passwordFile]) {
                FileHandle.standardError.write(Data("kontakt: \(warning)\n".utf8))
            }
            if !config.tls.verify {
                FileHandle.standardError.write(Data("kontakt: warning: TLS certificate verification is OFF ([tls] verify = false)\n".utf8))
            }
            // The store first: opening it creates its folder, where the lock file lives.
            let store = try global.openStore(config)
            let lock = try RunLock(path: config.storePath + ".poll.lock")
            let router = try Router(config: config, store: store)
            let imap: IMAPClient
            do { imap = try IMAPClient(connection: try config.imapConnection()) } catch let e as ConfigError {
                throw Failure(e.description)
            }
            let poller = try Poller(config: config, store: store, imap: imap, router: router, logger: Logger(label: "poll"))
            let summary = try poller.run()
            // Under the lock still: two hooks never run at once.
            if let command = config.afterPollCommand, PollHook.isDue(after: summary),
               let problem = PollHook(command: command).run(after: summary) {
                FileHandle.standardError.write(Data("kontakt: warning: \(problem)\n".utf8))
            }
            withExtendedLifetime(lock) {}
            if json {
                print(try JSONOutput.string(summary))
            } else if global.verbose {
                print("fetched \(summary.fetched), stored \(summary.stored), duplicates \(summary.duplicates), "
                      + "quarantined \(summary.quarantined), oversize \(summary.oversize), robots \(summary.robots), "
                      + "receipts \(summary.acknowledged)"
                      + (summary.remaining > 0 ? "; \(summary.remaining) left for the next poll" : ""))
            }
        }
    }
}
