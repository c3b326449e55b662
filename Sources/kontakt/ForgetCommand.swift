import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase everything stored about one e-mail address (GDPR erasure).",
        discussion: """
            Deletes the conversations the person started (messages in and out, notes, events, corrections, outbox entries), their messages in other conversations, their outbox entries and campaign rows, and replaces the address wherever someone else's message or a note still mentions it — in raw messages too, also inside base64 and quoted-printable text parts, forwarded messages and encoded header words (binary attachments such as PDFs are left as they are). Then rebuilds the search index, checkpoints the WAL and VACUUMs both files, so nothing of the address remains in the store or its raw file. This cannot be undone: export first if the request asks for a copy. Mail on the IMAP server is not touched.

            Asks for confirmation on a terminal; scripts must pass --yes (without a terminal and without --yes it refuses).

            Examples:
              kontakt export --address anna.svensson@example.se --output /secure/begaran
              kontakt forget --address anna.svensson@example.se
              kontakt forget --address anna.svensson@example.se --yes --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The person's e-mail address.", valueName: "address")) var address: String
    @Flag(help: "Do not ask; for scripts.") var yes = false
    @Flag(help: "Print what was erased as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let data = PersonalData(store: store, logger: Logger(label: "forget"))
            let preview = try data.preview(address: address)
            if !yes {
                guard isatty(STDIN_FILENO) != 0 else {
                    throw Failure("refusing to erase without confirmation: no terminal — pass --yes in scripts")
                }
                print("About to erase \(preview.address): \(preview.conversations) conversations they started, "
                      + "their messages in \(preview.conversationsAsParticipant) others, \(preview.messages) messages from or to them, "
                      + "\(preview.outboxEntries) outbox entries, \(preview.campaignRecipients) campaign rows.")
                print("This cannot be undone. Type the address again to confirm: ", terminator: "")
                guard let answer = readLine(), answer.trimmingCharacters(in: .whitespaces).lowercased() == preview.address else {
                    throw Failure("not confirmed; nothing was erased")
                }
            }
            let counts = try data.forget(address: preview.address)
            if json { print(try JSONOutput.string(counts)); return }
            guard !global.quiet else { return }
            print("erased \(counts.conversations) conversations, \(counts.messages) messages, \(counts.outboxEntries) outbox entries, "
                  + "\(counts.campaignRecipients) campaign rows, \(counts.notes) notes, \(counts.events) events, "
                  + "\(counts.corrections) corrections; redacted \(counts.redactedRows) mentions")
        }
    }
}
