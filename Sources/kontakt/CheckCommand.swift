import ArgumentParser
import Foundation
import KontaktCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Connect to the IMAP and SMTP servers and report step by step what works.",
        discussion: """
            Steps: dns, tcp, tls, certificate, auth, mailbox. The first failing step is named with what to do about it, and the exit status is non-zero.

            Examples:
              kontakt check
              kontakt check --config /etc/kontakt/kontakt.toml --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the steps as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            for warning in Secrets.warnings(for: [config.imap.passwordFile, config.smtp?.passwordFile]) {
                FileHandle.standardError.write(Data("kontakt: \(warning)\n".utf8))
            }
            let steps = ConnectionCheck(config: config).run()
            if json {
                print(try JSONOutput.string(steps))
            } else {
                // --quiet (cron): only the failing step, so a healthy check prints nothing.
                for step in steps where !(global.quiet && step.ok) {
                    let mark = step.ok ? "ok  " : "FAIL"
                    print("\(mark) \(step.server) \(step.name)\(step.detail.isEmpty ? "" : ": \(step.detail)")")
                }
            }
            if let failed = steps.first(where: { !$0.ok }) {
                throw Failure("\(failed.server) \(failed.name) failed", code: 1)
            }
        }
    }
}
