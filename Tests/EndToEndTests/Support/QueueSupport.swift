import Foundation
import Store

/// Helpers for the director's-queue tests: messages with attachments, an `$EDITOR` stand-in
/// and a pseudo-terminal driver for `kontakt answer`.
enum QueueSupport {
    /// A multipart message with the given attachments (name header value verbatim, data).
    static func messageWithAttachments(from: String, to: String, subject: String, body: String,
                                       attachments: [(disposition: String, data: [UInt8])]) -> [UInt8] {
        let boundary = "gräns-\(UUID().uuidString.prefix(8))".replacingOccurrences(of: "ä", with: "a")
        var lines = [
            "From: Test Person <\(from)>",
            "To: \(to)",
            "Subject: =?utf-8?B?\(Data(subject.utf8).base64EncodedString())?=",
            "Date: Mon, 23 Nov 2026 10:00:00 +0100",
            "Message-ID: <\(UUID().uuidString)@test.example.se>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            body,
        ]
        for attachment in attachments {
            lines += ["--\(boundary)", "Content-Type: application/octet-stream",
                      "Content-Disposition: attachment; \(attachment.disposition)",
                      "Content-Transfer-Encoding: base64", ""]
            lines.append(Data(attachment.data).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn]))
        }
        lines.append("--\(boundary)--")
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// An executable `$EDITOR` that replaces the draft with `text` (or leaves it when nil).
    static func editorScript(in directory: String, text: String?) throws -> String {
        let path = directory + "/editor-\(UUID().uuidString.prefix(6)).sh"
        var script = "#!/bin/sh\n"
        if let text {
            let escaped = text.replacingOccurrences(of: "'", with: "'\\''")
            script += "printf '%s\\n' '\(escaped)' > \"$1\"\n"
        }
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// Runs `kontakt ARGS` under a pseudo-terminal, typing `steps`: "key:X" waits for the next
    /// key prompt of `kontakt answer` and presses X; "line:MARKER=TEXT" waits for MARKER and types TEXT + Enter.
    static func runInPseudoTerminal(_ kontakt: KontaktInstance, _ arguments: [String], steps: [String],
                                    environment: [String: String] = [:]) throws -> ProcessResult {
        let driver = kontakt.directory + "/pty-driver.py"
        try ptyDriver.write(toFile: driver, atomically: true, encoding: .utf8)
        return try ProcessRunner.run("/usr/bin/python3", [driver] + steps + ["--", Repo.binary, "--config", kontakt.configPath] + arguments,
                                     environment: environment)
    }

    static let ptyDriver = #"""
    import os, pty, select, sys, time
    args = sys.argv[1:]
    sep = args.index('--')
    steps, cmd = args[:sep], args[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(cmd[0], cmd)
    out = b''
    def read_until(pred, timeout=30):
        global out
        deadline = time.time() + timeout
        while not pred():
            left = deadline - time.time()
            r, _, _ = select.select([fd], [], [], max(0, left))
            if not r:
                sys.stdout.write(out.decode('utf-8', 'replace'))
                sys.stderr.write('pty driver: timed out\n')
                os.kill(pid, 9)
                sys.exit(99)
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            out += chunk
        return True
    prompt = 'avsluta > '.encode()
    prompts = 0
    mark = 0
    for step in steps:
        kind, _, value = step.partition(':')
        if kind == 'key':
            prompts += 1
            read_until(lambda: out.count(prompt) >= prompts)
            mark = len(out)
            os.write(fd, value.encode())
        else:
            marker, _, text = value.partition('=')
            read_until(lambda: marker.encode() in out[mark:])
            mark = len(out)
            os.write(fd, (text + '\r').encode())
    read_until(lambda: False)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode('utf-8', 'replace'))
    sys.exit(os.waitstatus_to_exitcode(status))
    """#
}

extension KontaktInstance {
    /// Points this instance at its own copy of templates/ (to add broken templates).
    func useOwnTemplates() throws -> String {
        let folder = directory + "/templates"
        try FileManager.default.copyItem(atPath: Repo.root + "/templates", toPath: folder)
        var toml = try String(contentsOfFile: configPath, encoding: .utf8)
        toml = toml.replacingOccurrences(of: "dir = \"\(Repo.root)/templates\"", with: "dir = \"\(folder)\"")
        try toml.write(toFile: configPath, atomically: true, encoding: .utf8)
        return folder
    }

    func store() throws -> Store { try Store(path: storePath) }

    /// Delivers `count` messages and polls them in.
    func receiveAndPoll(_ messages: [(raw: [UInt8], from: String)]) throws {
        for message in messages { try receive(message.raw, from: message.from) }
        let poll = try run("poll")
        guard poll.status == 0 else { throw StackError("poll failed: \(poll.stderr)") }
    }
}
