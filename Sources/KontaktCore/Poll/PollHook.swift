import Foundation

/// `[hooks] after_poll`: a command run after a poll that stored new mail, the way notmuch runs
/// `post-new` — to tell the director ("3 nya ärenden") by whatever they read: a chat message,
/// a text, a mail to their own address.
///
/// It is given counts only, never a body, subject or address: the summary as `poll --json`
/// prints it on standard input, and `KONTAKT_STORED`, `KONTAKT_OPENED` (new conversations) and
/// `KONTAKT_QUARANTINED` in its environment. A hook that fails or hangs is reported (one line,
/// which cron mails), never a failed poll: the mail is stored by then.
public struct PollHook: Sendable {
    public let command: String
    /// How long the hook may run before it is stopped.
    public var timeout: TimeInterval = 60

    public init(command: String) { self.command = command }

    /// Whether a poll with `summary` runs the hook: only when it stored something.
    public static func isDue(after summary: PollSummary) -> Bool { summary.stored > 0 }

    /// Runs the hook for `summary`; returns what went wrong, or nil.
    public func run(after summary: PollSummary) -> String? {
        let environment = ["KONTAKT_STORED": "\(summary.stored)", "KONTAKT_OPENED": "\(summary.opened)",
                           "KONTAKT_QUARANTINED": "\(summary.quarantined)"]
        let input = (try? JSONEncoder().encode(summary)) ?? Data()
        do {
            let outcome = try ShellCommand.run(command, input: input, captureOutput: false, environment: environment, timeout: timeout)
            if outcome.timedOut { return "[hooks] after_poll did not finish in \(Int(timeout)) s and was stopped" }
            if outcome.status != 0 { return "[hooks] after_poll exited with status \(outcome.status)" }
            return nil
        } catch {
            return "[hooks] after_poll could not be started: \(error.localizedDescription)"
        }
    }
}
