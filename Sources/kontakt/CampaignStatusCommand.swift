import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct CampaignStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Totals and every recipient's state (queued, sent, deferred, failed, bounced) with the server's answer.",
        discussion: """
            `sent` means the server accepted the message; `deferred` that it answered "later" (the outbox tries again with backoff); `failed` that it refused for good; `bounced` that it was accepted but a bounce came back afterwards (read by `kontakt poll`), with the reason from the bounce. A copy marked "unconfirmed" was sent by a run that died before the server's answer: almost certainly delivered.

            Examples:
              kontakt campaign status material
              kontakt campaign status material --problems
              kontakt campaign status material --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The campaign's name.") var name: String
    @Flag(help: "List only recipients that are not sent (deferred, failed, bounced, queued).") var problems = false
    @Flag(help: "Print the status as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let status = try Campaigns(config: config, store: store, logger: Logger(label: "campaign")).status(name: name)
            if json {
                print(try JSONOutput.string(status))
                return
            }
            print(CampaignFormat.totals(status))
            for r in status.recipients where !problems || r.state != "sent" {
                var line = "  line \(String(r.line).padding(toLength: 5, withPad: " ", startingAt: 0)) \(r.state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.email)"
                if let detail = r.detail { line += "  — \(detail)" }
                print(line)
            }
        }
    }
}

/// Shared wording of campaign totals.
enum CampaignFormat {
    static func totals(_ s: CampaignStatus) -> String {
        var line = "\(s.name): \(s.total) recipients — \(s.sent) sent, \(s.queued) queued, \(s.deferred) deferred, \(s.failed) failed, \(s.bounced) bounced"
        if s.unconfirmed > 0 { line += " (\(s.unconfirmed) of the sent unconfirmed)" }
        return line
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
