import ArgumentParser
import Foundation
import KontaktCore
import Store

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Parse a quarantined message again (after a fix) and sort it into the queue.",
        discussion: """
            The stored bytes are re-read with the current parser; if the message is now acceptable it is threaded and classified as if it had just arrived (no receipt is sent). If it is still unacceptable it stays quarantined, with the reasons printed.

            Examples:
              kontakt queue --quarantine
              kontakt inspect --id 42
              kontakt replay 42
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The message id (from `kontakt queue --quarantine`).") var id: Int64
    @Flag(help: "Print the outcome as JSON.") var json = false

    struct Outcome: Encodable {
        var message: Int64
        var outcome: String
        var conversation: Int64?
        var detail: String?
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let ingestor = Ingestor(router: try session.router(), config: session.config)
            let result = try session.store.write { tx -> IngestOutcome in
                guard let message = try tx.message(id: id) else {
                    throw Failure("message \(id) does not exist — see `kontakt queue --quarantine` for ids")
                }
                guard message.state == .quarantined else {
                    throw Failure("message \(id) is not quarantined (it is \(message.state.rawValue)); nothing to replay")
                }
                let outcome = try ingestor.replay(message, in: tx)
                if case .accepted(_, let conversationId, _) = outcome {
                    try tx.record(EventRecord(at: Date(), conversationId: conversationId,
                                              actor: DirectorDesk.currentActor(), kind: "replayed", detail: "message \(id)"))
                }
                return outcome
            }
            let outcome: Outcome
            switch result {
            case .accepted(_, let conversationId, let isNew):
                outcome = Outcome(message: id, outcome: "accepted", conversation: conversationId,
                                  detail: isNew ? "new conversation" : "joined a conversation")
            case .robot(_, let kind): outcome = Outcome(message: id, outcome: "robot", detail: kind)
            case .quarantined(_, let reasons):
                outcome = Outcome(message: id, outcome: "quarantined", detail: reasons.joined(separator: "; "))
            case .oversize: outcome = Outcome(message: id, outcome: "oversize")
            case .duplicate(let existing): outcome = Outcome(message: id, outcome: "duplicate", detail: "of message \(existing)")
            }
            if json { print(try JSONOutput.string(outcome)); return }
            switch outcome.outcome {
            case "accepted": print("message \(id) → #\(outcome.conversation ?? 0) (\(outcome.detail ?? ""))")
            case "quarantined": throw Failure("message \(id) is still quarantined: \(outcome.detail ?? "") — see `kontakt inspect --id \(id)`")
            default: print("message \(id): \(outcome.outcome)\(outcome.detail.map { " (\($0))" } ?? "")")
            }
        }
    }
}
