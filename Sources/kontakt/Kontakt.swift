import ArgumentParser
import Foundation

@main
struct Kontakt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kontakt",
        abstract: "Kontakt: the contact address's mail, threaded, sorted and answered from the terminal.",
        discussion: """
            cron runs `kontakt poll` (fetch new mail over IMAP) and `kontakt send` (the outbox over SMTP); the director works the queue with `queue`, `show`, `reply`, `route` and `close`.

            Configuration: --config PATH, else $KONTAKT_CONFIG, else ./kontakt.toml. Exit status: 0 success, 75 temporary failure (server unreachable, another run busy), 1 error.
            """,
        version: "0.1.0",
        subcommands: [
            CheckCommand.self,
            PollCommand.self,
            QueueCommand.self,
            ShowCommand.self,
            ReplyCommand.self,
            AnswerCommand.self,
            RouteCommand.self,
            CloseCommand.self,
            ReopenCommand.self,
            NoteCommand.self,
            MergeCommand.self,
            SplitCommand.self,
            SnoozeCommand.self,
            SearchCommand.self,
            StatsCommand.self,
            ClassifyCommand.self,
            InspectCommand.self,
            ReplayCommand.self,
            StatusCommand.self,
            ImportCommand.self,
            ExportCommand.self,
            ForgetCommand.self,
            PurgeCommand.self,
            SendCommand.self,
            OutboxCommand.self,
            RetryCommand.self,
            CancelCommand.self,
            CampaignCommand.self,
        ]
    )

    /// Lets the global options stand before the subcommand too (`kontakt --config F poll`, as
    /// crontabs are usually written): ArgumentParser reads them only after it, so move them there.
    static func main() async {
        let arguments = GlobalArguments.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

enum GlobalArguments {
    static let flags: Set<String> = ["-v", "--verbose", "-q", "--quiet"]

    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--config", index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if argument.hasPrefix("--config=") || flags.contains(argument) {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        // Insert after the subcommand path (the words up to the first option).
        var rest = Array(arguments[index...])
        var insertAt = 0
        while insertAt < rest.count, !rest[insertAt].hasPrefix("-"), isSubcommandWord(rest[insertAt]) { insertAt += 1 }
        rest.insert(contentsOf: leading, at: insertAt)
        return rest
    }

    private static func isSubcommandWord(_ word: String) -> Bool {
        commandNames.contains(word)
    }

    /// Every command and nested subcommand name (`campaign send`, …), read from the definitions.
    private static let commandNames: Set<String> = {
        var names: Set<String> = []
        var pending = Kontakt.configuration.subcommands
        while let command = pending.popLast() {
            names.insert(command._commandName)
            pending += command.configuration.subcommands
        }
        return names
    }()
}
