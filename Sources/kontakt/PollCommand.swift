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

            Examples:
              kontakt poll
              kontakt poll --json
              */5 * * * *  kontakt --config /etc/kontakt/kontakt.toml poll
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print a summary as JSON (fetched, stored, duplicates, quarantined, oversize, ...).") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
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
            withExtendedLifetime(lock) {}
            if json {
                print(try JSONOutput.string(summary))
            } else if global.verbose {
                print("fetched \(summary.fetched), stored \(summary.stored), duplicates \(summary.duplicates), "
                      + "quarantined \(summary.quarantined), oversize \(summary.oversize), robots \(summary.robots), "
                      + "receipts \(summary.acknowledged)")
            }
        }
    }
}
