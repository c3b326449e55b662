import Foundation

/// Runs a command line from the config (`bearer_token_command`, `[hooks] after_poll`) through
/// `/bin/sh -c`, with a time limit: a helper that hangs must not hang the cron job with it.
///
/// The config is the director's own file (a shell is what such settings mean in mutt, msmtp
/// and mbsync); nothing from the network is ever put on the command line.
public enum ShellCommand {
    public struct Outcome: Sendable {
        /// The exit status; meaningless when `timedOut`.
        public var status: Int32
        /// Standard output, when asked for; otherwise it went to Kontakt's own.
        public var output: Data
        /// Stopped at the time limit: SIGTERM to its process group, SIGKILL 5 s later.
        public var timedOut: Bool
    }

    /// Runs `command`, writes `input` to its standard input, and waits at most `timeout` seconds.
    /// `environment` is added to Kontakt's own. Throws only when the shell cannot be started.
    public static func run(_ command: String, input: Data? = nil, captureOutput: Bool, environment: [String: String] = [:],
                           timeout: TimeInterval) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // Without input the command keeps Kontakt's own standard input, as a token helper that
        // asks at the terminal needs.
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        let stdout = Pipe()
        if captureOutput { process.standardOutput = stdout }
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Read while it runs: a child writing more than a pipe holds would otherwise never exit.
        let output = OutputCollector()
        let reading = DispatchGroup()
        if captureOutput {
            DispatchQueue.global().async(group: reading) { output.set(stdout.fileHandleForReading.readDataToEndOfFile()) }
        }
        if let input, let stdin {
            // A command that does not read its input (or has already exited) closes the pipe;
            // writing to it would raise SIGPIPE and kill the poll. Ignored, the write fails with
            // EPIPE instead, which is no error here. (Process-wide, as in most network programs;
            // libcurl's own sockets never raise it.)
            signal(SIGPIPE, SIG_IGN)
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            // The whole group: what the shell started (a `sleep`, a `curl`) would otherwise live
            // on, holding the output pipe open. Foundation starts the shell in a process group
            // of its own, so the group is the shell's pid.
            timedOut = true
            let group = -process.processIdentifier
            kill(group, SIGTERM)
            if exited.wait(timeout: .now() + 5) == .timedOut {
                kill(group, SIGKILL)
                exited.wait()
            }
            // Children that outlived their shell go too.
            kill(group, SIGKILL)
        }
        reading.wait()
        return Outcome(status: process.terminationStatus, output: output.data, timedOut: timedOut)
    }

    private final class OutputCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = Data()
        func set(_ data: Data) { lock.withLock { stored = data } }
        var data: Data { lock.withLock { stored } }
    }
}
