import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct CampaignCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Check a recipient list, template and attachments, and store them as a campaign (nothing is sent).",
        discussion: """
            The CSV needs a header row with at least `email` and `name`; every other column is a template variable ({{enkat_lank}} for a column enkat_lank). Comma, semicolon (Excel with Swedish settings) and tab separators are recognised from the header line; quoted fields may hold separators and line breaks; UTF-8 with or without BOM. Besides the columns, templates may use {{signature}}, {{sender_name}}, {{sender_address}} and {{email}}.

            Everything is checked before anything is stored, and every problem is reported with its file and line: invalid or duplicate addresses (duplicates ignore case), missing columns, empty values the template needs, unknown template variables, attachments that are missing or unreadable. The attachments' SHA-256 and size are recorded now; `campaign send` refuses to send a file that changed since.

            Warnings (not errors): the total size (recipients × attachments) and, when the config names them, how long [smtp] messages_per_minute and messages_per_day make the send.

            Examples:
              kontakt campaign create material --recipients etc/chefer.csv --template materialutskick \\
                  --attach etc/material/chefens-dag-inledning.pdf --attach etc/material/seminarier.pdf --topic material
              kontakt campaign create utvardering --recipients etc/chefer-enkat.csv --template utvarderingsenkat \\
                  --topic utvardering
              kontakt campaign create test --recipients lista.csv --template materialutskick --dry-run
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A name for the campaign, used by send, status and retry (e.g. material-2026).") var name: String
    @Option(help: ArgumentHelp("The recipient list (CSV).", valueName: "file.csv")) var recipients: String
    @Option(help: ArgumentHelp("The template's name in the templates folder (e.g. materialutskick).", valueName: "name")) var template: String
    @Option(name: .customLong("attach"), help: ArgumentHelp("A file every recipient gets; repeat for more.", valueName: "file"))
    var attachments: [String] = []
    @Option(help: "The subject, instead of the template's Subject line (may use variables).") var subject: String?
    @Option(help: ArgumentHelp("The topic replies to this campaign are filed under (e.g. material, utvardering).", valueName: "topic"))
    var topic: String?
    @Flag(help: "Check everything and report, but store nothing.") var dryRun = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let campaigns = Campaigns(config: config, store: store, logger: Logger(label: "campaign"))
            let request = Campaigns.CreateRequest(name: name, recipientsFile: recipients, template: template,
                                                  attachments: attachments, subject: subject, topic: topic)
            let created: Campaigns.Created
            do {
                created = try campaigns.create(request, dryRun: dryRun)
            } catch let invalid as CampaignInvalid {
                throw Failure(invalid.description, code: 1)
            }
            if json {
                print(try JSONOutput.string(created))
                return
            }
            for warning in created.warnings { FileHandle.standardError.write(Data("kontakt: warning: \(warning)\n".utf8)) }
            let verb = created.stored ? "Created" : "Checked (not stored)"
            print("\(verb) campaign \"\(created.name)\": \(created.recipients) recipients, template \(created.template), "
                  + "\(created.attachments.count) attachment\(created.attachments.count == 1 ? "" : "s")"
                  + (created.topic.map { ", replies filed under \($0)" } ?? ""))
            print("Subject: \(created.subject)")
            if created.stored { print("Next: kontakt campaign send \(created.name)") }
        }
    }
}
