import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct CampaignRetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue a campaign's failed and deferred recipients again (sent by the next `campaign send`).",
        discussion: """
            Use it after fixing what `campaign status` reported (a full mailbox, a server that was refusing, an attachment put back). Bounced recipients are not retried: their address does not accept mail. Unconfirmed copies are not retried either (they were almost certainly delivered); `kontakt retry ID` resends one by its outbox id.

            Examples:
              kontakt campaign retry material && kontakt campaign send material
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The campaign's name.") var name: String
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let result = try Campaigns(config: config, store: store, logger: Logger(label: "campaign")).retry(name: name)
            if json {
                print(try JSONOutput.string(result))
            } else {
                print("\(result.requeued) recipient\(result.requeued == 1 ? "" : "s") queued again; `kontakt campaign send \(name)` sends them.")
            }
        }
    }
}
