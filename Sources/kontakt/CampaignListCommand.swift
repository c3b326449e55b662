import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct CampaignListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Every campaign with its totals.",
        discussion: """
            Examples:
              kontakt campaign list
              kontakt campaign list --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the campaigns as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let list = try Campaigns(config: config, store: store, logger: Logger(label: "campaign")).list()
            if json {
                print(try JSONOutput.string(list))
                return
            }
            if list.isEmpty {
                print("No campaigns yet; see `kontakt campaign create --help`.")
                return
            }
            let day = Date.FormatStyle(date: .numeric, time: .omitted)
            for c in list {
                print("\(c.name)  \(c.createdAt.formatted(day))  \(c.template)\(c.topic.map { " → \($0)" } ?? "")  "
                      + "\(c.total) recipients: \(c.sent) sent, \(c.queued) queued, \(c.deferred) deferred, \(c.failed) failed, \(c.bounced) bounced")
            }
        }
    }
}
