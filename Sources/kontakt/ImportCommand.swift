import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store existing mail (mbox, Maildir, .eml) as a poll would, without sending receipts.",
        discussion: """
            Each PATH is an mbox file (mboxrd or mboxo), a Maildir folder (cur/ and new/), a folder of .eml files or a single message. Messages are threaded, sorted by topic and checked for duplicates exactly as `kontakt poll` does, marked as backlog and never acknowledged. Importing the same file twice stores nothing new. A Maildir, folder or mbox is read a few messages at a time, so its size is not limited by memory; a file in it that cannot be read is named and the rest imported (exit 1). Takes the poll lock, so a cron poll waits (exit 75) until the import has finished.

            Examples:
              kontakt import old-inbox.mbox
              kontakt import ~/Maildir/.Kontakt
              kontakt import fråga1.eml fråga2.eml --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("mbox files, Maildir folders or .eml files.", valueName: "path")) var paths: [String]
    @Flag(help: "Print the counts as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            // The store first: opening it creates its folder, where the lock file lives.
            let store = try global.openStore(config)
            let lock = try RunLock(path: config.storePath + ".poll.lock")
            let router = try Router(config: config, store: store)
            let importer = MailImporter(store: store, router: router, config: config, logger: Logger(label: "import"))
            let summary = try importer.run(paths: paths)
            withExtendedLifetime(lock) {}
            if json {
                print(try JSONOutput.string(summary))
            } else if !global.quiet {
                print("\(summary.messages) messages in \(summary.files) sources: stored \(summary.stored), "
                      + "duplicates \(summary.duplicates), quarantined \(summary.quarantined), robots \(summary.robots)")
            }
            if !summary.unreadable.isEmpty {
                throw Failure("could not read \(summary.unreadable.joined(separator: ", ")); the rest was imported "
                              + "(importing again skips what is stored)")
            }
        }
    }
}
