import Foundation
import Testing
@testable import KontaktCore

@Suite struct ShellCommandTests {
    @Test func inputGoesInOutputComesBackAndTheEnvironmentIsAdded() throws {
        let outcome = try ShellCommand.run("tr a-z A-Z; printf ' %s' \"$KONTAKT_X\"", input: Data("hej".utf8), captureOutput: true,
                                           environment: ["KONTAKT_X": "42"], timeout: 10)
        #expect(outcome.status == 0 && !outcome.timedOut)
        #expect(String(decoding: outcome.output, as: UTF8.self) == "HEJ 42")
        #expect(try ShellCommand.run("exit 3", captureOutput: true, timeout: 10).status == 3)
    }

    /// More than a pipe holds: read while the command runs, or both would wait for ever.
    @Test func aLongOutputIsReadWhileTheCommandRuns() throws {
        let outcome = try ShellCommand.run("head -c 300000 /dev/zero", captureOutput: true, timeout: 10)
        #expect(outcome.output.count == 300_000 && !outcome.timedOut)
    }

    @Test func aHangingCommandIsStoppedAtItsTimeLimit() throws {
        let start = Date()
        let outcome = try ShellCommand.run("sleep 30", captureOutput: true, timeout: 0.5)
        #expect(outcome.timedOut)
        #expect(Date().timeIntervalSince(start) < 10)
    }
}

@Suite struct PollHookTests {
    func summary(stored: Int, opened: Int) -> PollSummary {
        var s = PollSummary()
        s.fetched = stored
        s.stored = stored
        s.opened = opened
        return s
    }

    @Test func theHookGetsCountsOnlyAndRunsOnlyWhenSomethingWasStored() throws {
        let file = NSTemporaryDirectory() + "kontakt-hook-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let hook = PollHook(command: "cat > '\(file)'; echo \"$KONTAKT_STORED $KONTAKT_OPENED $KONTAKT_QUARANTINED\" > '\(file).env'")
        defer { try? FileManager.default.removeItem(atPath: file + ".env") }
        #expect(!PollHook.isDue(after: summary(stored: 0, opened: 0)))
        #expect(PollHook.isDue(after: summary(stored: 3, opened: 2)))
        #expect(hook.run(after: summary(stored: 3, opened: 2)) == nil)
        #expect(try String(contentsOfFile: file + ".env", encoding: .utf8) == "3 2 0\n")
        let decoded = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        #expect(decoded?["stored"] as? Int == 3 && decoded?["opened"] as? Int == 2)
    }

    @Test func aFailingOrHangingHookIsReportedNotThrown() {
        #expect(PollHook(command: "exit 7").run(after: summary(stored: 1, opened: 1)) == "[hooks] after_poll exited with status 7")
        var hanging = PollHook(command: "sleep 30")
        hanging.timeout = 0.5
        #expect(hanging.run(after: summary(stored: 1, opened: 1))?.contains("did not finish") == true)
    }
}
