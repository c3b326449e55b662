import ArgumentParser
import Foundation
import KontaktCore
import Logging

struct CampaignSendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a campaign: one personal message per recipient, over one SMTP connection.",
        discussion: """
            Each recipient gets their own message (To: them alone; never a long Bcc) with a Message-ID carrying their token, so a bounce or a reply finds them later. A recipient is `sent` only when the server has accepted their message.

            Safe to stop and run again: Ctrl-C (the message in flight finishes), kill -9, or the server going away — the next `campaign send` sends the rest, nobody gets two copies and nobody is skipped. Copies the server deferred are retried by cron's `kontakt send` (or `campaign retry`).

            The pace is --rate, never above [smtp] messages_per_minute; the run stops at [smtp] messages_per_day. On a terminal it shows progress (count, rate, time left).

            Exit status: 0 when every recipient is sent; 1 when any failed (see `campaign status`); 75 when some wait (deferred, daily limit, server unreachable, interrupted).

            Examples:
              kontakt campaign send material
              kontakt campaign send material --rate 30/min
              kontakt campaign send utvardering --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The campaign's name.") var name: String
    @Option(help: ArgumentHelp("At most this many messages per minute: N/min, N/h or N/s (N alone is per minute).", valueName: "N/min"))
    var rate: String?
    @Flag(help: "Print the result as JSON (per-run counts and the campaign's status).") var json = false

    func run() throws {
        try reportingErrors {
            let perMinute = try rate.map(Self.parseRate)
            let config = try global.load()
            for warning in Secrets.warnings(for: [config.smtp?.passwordFile]) {
                FileHandle.standardError.write(Data("kontakt: \(warning)\n".utf8))
            }
            let store = try global.openStore(config)
            let sender = CampaignSender(config: config, store: store, logger: Logger(label: "campaign"))
            let interrupt = InterruptFlag.install()
            let tty = isatty(STDERR_FILENO) != 0 && !json && !global.quiet
            let report = try sender.send(name: name, perMinute: perMinute, progress: { p in
                guard tty else { return }
                var line = "\r\u{1B}[K  \(p.done)/\(p.total)  sent \(p.sent)"
                if p.deferred > 0 { line += ", deferred \(p.deferred)" }
                if p.failed > 0 { line += ", failed \(p.failed)" }
                line += String(format: "  %.1f/min", p.perMinute)
                if let left = p.remaining { line += "  \(CampaignFormat.duration(left)) left" }
                FileHandle.standardError.write(Data(line.utf8))
            }, shouldStop: { interrupt.isSet })
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json {
                print(try JSONOutput.string(report))
            } else {
                let pace = report.elapsed > 0 ? String(format: " (%.1f/min)", Double(report.sent + report.deferred + report.failed) / report.elapsed * 60) : ""
                var line = "This run: \(report.sent) sent, \(report.deferred) deferred, \(report.failed) failed in \(CampaignFormat.duration(report.elapsed))\(pace)"
                if report.unconfirmed > 0 { line += "; \(report.unconfirmed) recorded sent without confirmation" }
                if report.requeuedAfterInterruption > 0 { line += "; \(report.requeuedAfterInterruption) resent after an interrupted run" }
                if report.waiting > 0 { line += "; \(report.waiting) deferred ones wait for their next attempt" }
                if report.interrupted { line += " — interrupted" }
                print(line)
                if let status = report.status { print(CampaignFormat.totals(status)) }
            }
            if let error = report.exitError { throw error }
        }
    }

    static func parseRate(_ text: String) throws -> Double {
        let parts = text.lowercased().split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let unit = parts.count > 1 ? parts[1] : "min"
        guard let n = Double(parts[0]), n > 0, n.isFinite else {
            throw Failure("--rate \(text): expected a positive number of messages, e.g. 60/min", code: 1)
        }
        switch unit {
        case "s", "sec", "second": return n * 60
        case "min", "m", "minute": return n
        case "h", "hour": return n / 60
        default: throw Failure("--rate \(text): the unit must be /s, /min or /h", code: 1)
        }
    }
}

/// Ctrl-C during a send: the first finishes the message in flight and stops cleanly (the
/// summary still prints); a second one quits at once, which is safe too (the outbox resolves
/// it on the next run).
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var source: DispatchSourceSignal?

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return set }

    static func install() -> InterruptFlag {
        let flag = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [flag] in
            flag.lock.lock()
            let again = flag.set
            flag.set = true
            flag.lock.unlock()
            if again { exit(130) }
            FileHandle.standardError.write(Data("\nkontakt: stopping after the message in flight (Ctrl-C again to quit at once)\n".utf8))
        }
        source.resume()
        flag.source = source
        return flag
    }
}
