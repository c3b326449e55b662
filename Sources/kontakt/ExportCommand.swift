import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export everything stored about one person, or one conversation, as mbox + JSON.",
        discussion: """
            --address answers a GDPR access request: every conversation the person started or took part in, every message from or to them (with its attachments, inside the raw messages), what we sent them, notes, the audit trail, corrections and campaign rows. --thread exports one conversation for the archive or the public register.

            Writes person-ADDRESS.mbox + .json or thread-ID.mbox + .json into the output folder (created 0700; files 0600 — they are personal data). Any mail client opens the mbox.

            Examples:
              kontakt export --address anna.svensson@example.se --output /secure/begaran-2026-11
              kontakt export --thread 42
              kontakt export --thread 42 --output arkiv --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The person's e-mail address.", valueName: "address")) var address: String?
    @Option(help: ArgumentHelp("A conversation number.", valueName: "id")) var thread: Int64?
    @Option(help: ArgumentHelp("Folder to write into (default: the current folder).", valueName: "dir")) var output: String = "."
    @Flag(help: "Print the export summary as JSON.") var json = false

    func validate() throws {
        if (address == nil) == (thread == nil) { throw ValidationError("pass exactly one of --address or --thread") }
    }

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let data = PersonalData(store: store, logger: Logger(label: "export"))
            let summary: ExportSummary
            if let address {
                summary = try data.export(address: address, to: output)
            } else {
                summary = try data.export(thread: thread!, to: output)
            }
            if json { print(try JSONOutput.string(summary)); return }
            guard !global.quiet else { return }
            print("\(summary.mboxMessages) messages in \(summary.mboxPath)")
            print("\(summary.conversations.count) conversations, \(summary.messages.count) stored messages, "
                  + "\(summary.outbox.count) outbox entries, \(summary.campaignRecipients.count) campaign rows in \(summary.summaryPath)")
        }
    }
}
