import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send everything due in the outbox over SMTP (one connection for the batch).",
        discussion: """
            Made for cron, after `poll`: silent on success. Replies, receipts and campaign mail that are queued, or deferred and due again, go out over one SMTP connection; each entry's state is committed the moment the server answers. A 4xx, or connection or TLS trouble, defers the message (retried after 1, 2, 4 ... minutes, at most hourly, for up to [smtp] max_retry_hours); a 5xx fails it, and a failed reply reopens its conversation.

            Exit status: 0 when the run got through its list (even if some entries were deferred or failed: see `kontakt outbox`); 75 when it could not proceed for a temporary reason (server unreachable, TLS trouble, another send running) — cron simply runs it again; 1 when a human must act (login refused, certificate not trusted, config wrong).

            A run killed mid-batch loses nothing: the next run resends an entry the server never received in full, and records one whose final dot had already gone as sent but unconfirmed (listed by `kontakt outbox`), instead of risking a second copy.

            Examples:
              kontakt send
              kontakt send --json
              */5 * * * *  kontakt poll; kontakt send
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print a summary as JSON (sent, deferred, failed, unconfirmed, per-entry results).") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            for warning in Secrets.warnings(for: [config.smtp?.passwordFile]) {
                FileHandle.standardError.write(Data("kontakt: \(warning)\n".utf8))
            }
            let store = try global.openStore(config)
            let outbox = Outbox(config: config, store: store, logger: Logger(label: "send"))
            let summary = try outbox.sendDue()
            if json {
                print(try JSONOutput.string(summary))
            } else if global.verbose || summary.failed > 0 || summary.unconfirmed > 0 {
                print("sent \(summary.sent), deferred \(summary.deferred), failed \(summary.failed)"
                      + (summary.unconfirmed > 0 ? ", unconfirmed \(summary.unconfirmed) (see `kontakt outbox`)" : ""))
            }
            if let error = summary.exitError { throw error }
        }
    }
}
