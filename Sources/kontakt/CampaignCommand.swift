import ArgumentParser

struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Send the seminar material or the evaluation request to every manager, one personal message each.",
        discussion: """
            A campaign is a template, a recipient list (CSV with a header: email, name, and any other columns the template uses) and attachments. `create` checks all of it and stores it; `send` sends one personal message per recipient through the outbox and can be stopped and run again at any time; `status` shows what happened to each copy, including bounces that arrive later (read by `kontakt poll`). Replies to a campaign message are filed under the campaign's --topic.

            Examples:
              kontakt campaign create material --recipients etc/chefer.csv --template materialutskick \\
                  --attach etc/material/chefens-dag-inledning.pdf --topic material
              kontakt campaign send material --rate 60/min
              kontakt campaign status material
              kontakt campaign retry material
              kontakt campaign list --json
            """,
        subcommands: [
            CampaignCreateCommand.self,
            CampaignSendCommand.self,
            CampaignStatusCommand.self,
            CampaignListCommand.self,
            CampaignRetryCommand.self,
        ]
    )
}
