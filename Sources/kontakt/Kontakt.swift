import ArgumentParser

@main
struct Kontakt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kontakt",
        abstract: "Kontakt: the contact address's mail, threaded, sorted and answered from the terminal.",
        discussion: """
            cron runs `kontakt poll` (fetch new mail over IMAP) and `kontakt send` (the outbox over SMTP);
            the director works the queue with `queue`, `show`, `reply`, `route` and `close`.

            Configuration: --config PATH, else $KONTAKT_CONFIG, else ./kontakt.toml.
            Exit status: 0 success, 75 temporary failure (server unreachable, another run busy), 1 error.
            """,
        version: "0.1.0",
        subcommands: [
            CheckCommand.self,
            PollCommand.self,
            QueueCommand.self,
            StatusCommand.self,
            ImportCommand.self,
            ExportCommand.self,
            ForgetCommand.self,
            PurgeCommand.self,
        ]
    )
}
