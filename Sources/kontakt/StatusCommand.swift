import ArgumentParser
import Foundation
import KontaktCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Report Kontakt's health: last poll and send, what waits, and what needs a human.",
        discussion: """
            Shows the last successful poll and send, open conversations and the oldest waiting one, the outbox's deferred and failed messages, quarantined messages, campaigns still sending, after-fetch server actions that keep failing, and the expiry of the [tls] ca_file certificate and of the IMAP server's certificate (as the last poll saw it).

            Exit status 1, with one PROBLEM line each, when something needs a human: no successful poll within [health] max_poll_age_minutes, failed outgoing messages, quarantined messages, server actions that failed 3 times or more, a CA or IMAP server certificate expiring within 14 days. With --quiet only the problem lines print, so a daily cron line mails only when needed.

            Examples:
              kontakt status
              kontakt status --json
              kontakt status --quiet || echo "kontakt needs attention"
              0 7 * * *  kontakt --config /etc/kontakt/kontakt.toml status --quiet
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the report as JSON (problems included); the exit status is the same.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            let report = try HealthCheck(config: config).report(store: store)
            if json {
                print(try JSONOutput.string(report))
            } else {
                if !global.quiet { print(StatusFormat.render(report, now: report.generatedAt)) }
                for problem in report.problems { print("PROBLEM: \(problem)") }
            }
            if !report.isHealthy { throw ExitCode(1) }
        }
    }
}

/// The status report as an operator reads it.
enum StatusFormat {
    static func render(_ r: HealthReport, now: Date) -> String {
        func when(_ date: Date?) -> String {
            guard let date else { return "never" }
            return "\(iso(date)) (\(HealthCheck.duration(now.timeIntervalSince(date))) ago)"
        }
        var lines: [String] = []
        lines.append("last successful poll: \(when(r.lastSuccessfulPollAt))")
        if let last = r.lastPoll, !last.ok {
            lines.append("last poll failed:     \(iso(last.startedAt))\(last.error.map { ": \($0)" } ?? "")")
        }
        if let last = r.lastPoll, last.remaining > 0 {
            lines.append("import under way:     \(last.remaining) new messages left for the next poll (poll budget)")
        }
        lines.append("last send:            \(when(r.lastSentAt))")
        var open = "open conversations:   \(r.openConversations)"
        if let since = r.oldestWaitingSince, let id = r.oldestWaitingConversationId {
            open += " (oldest #\(id), waiting \(HealthCheck.duration(now.timeIntervalSince(since))))"
        }
        lines.append(open)
        lines.append("outbox:               \(r.outbox.queued) queued, \(r.outbox.deferred) deferred, \(r.outbox.failed) failed")
        lines.append("quarantined:          \(r.quarantined)" + (r.oversize > 0 ? " (and \(r.oversize) oversize)" : ""))
        for c in r.campaigns {
            lines.append("campaign \(c.name): \(c.queued) queued, \(c.deferred) deferred, \(c.failed) failed")
        }
        if r.serverActions.failing > 0 {
            lines.append("server actions:       \(r.serverActions.failing) failing (up to \(r.serverActions.maxAttempts) attempts)"
                         + (r.serverActions.lastError.map { ": \($0)" } ?? ""))
        }
        if let notAfter = r.imapCertificateExpiresAt {
            lines.append("IMAP certificate:     valid until \(iso(notAfter)) (\(CertificateValidity.daysLeft(until: notAfter, now: now)) days)")
        }
        if let ca = r.caCertificate {
            lines.append("CA certificate:       valid until \(iso(ca.notAfter)) (\(ca.daysLeft(now: now)) days)")
        }
        return lines.joined(separator: "\n")
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
