import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The director's terminal: whether we have one, colours, single keys and `$EDITOR`.
enum Terminal {
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) != 0 }
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) != 0 }

    /// Bold/dim/colour only when writing to a terminal and NO_COLOR is not set.
    static var colour: Bool { stdoutIsTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    static func bold(_ s: String, _ on: Bool) -> String { on ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    static func dim(_ s: String, _ on: Bool) -> String { on ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    static func yellow(_ s: String, _ on: Bool) -> String { on ? "\u{1B}[33m\(s)\u{1B}[0m" : s }

    static func write(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    /// Asks a yes/no question on the terminal; only "j", "ja", "y", "yes" count as yes.
    static func confirm(_ question: String) -> Bool {
        write(question + " [j/N] ")
        guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return ["j", "ja", "y", "yes"].contains(answer)
    }
}

/// Single-key input: the terminal without line editing or echo, restored on every way out.
///
/// ISIG is switched off too, so Ctrl-C arrives as a key (treated as quit) instead of killing
/// the process with the terminal left in raw mode.
final class RawTerminal {
    private var original = termios()
    private var isRaw = false

    init() throws {
        guard tcgetattr(STDIN_FILENO, &original) == 0 else {
            throw Failure("this needs a terminal — use `kontakt queue`, `show` and `reply` in scripts")
        }
    }

    deinit { restore() }

    func enter() {
        guard !isRaw else { return }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { bytes in
            bytes[Int(VMIN)] = 1
            bytes[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        isRaw = true
    }

    func restore() {
        guard isRaw else { return }
        tcsetattr(STDIN_FILENO, TCSANOW, &original)
        isRaw = false
    }

    /// One key press; nil at end of input.
    func readKey() -> UInt8? {
        enter()
        var byte: UInt8 = 0
        while true {
            let n = read(STDIN_FILENO, &byte, 1)
            if n == 1 { return byte }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// A whole line, typed with echo and line editing (for a topic name).
    func readLine(prompt: String) -> String? {
        restore()
        Terminal.write(prompt)
        return Swift.readLine()
    }
}

/// Runs `$EDITOR` (fallback `vi`) on a draft and reads it back.
enum Editor {
    enum Result: Equatable {
        case edited(String)
        /// Emptied, or saved without a change (also what `:q!` in vi leaves): the director gave up.
        case abandoned(String)
    }

    static func edit(_ draft: String, name: String) throws -> Result {
        let folder = NSTemporaryDirectory() + "kontakt-\(getpid())-\(UUID().uuidString.prefix(8))"
        // Drafts are personal data: a private folder, removed afterwards.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + name
        try draft.write(toFile: path, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Through the shell, so EDITOR may carry arguments ("code --wait", "nano -w").
        process.arguments = ["-c", editor + " \"$1\"", "kontakt-editor", path]
        do { try process.run() } catch {
            throw Failure("cannot start the editor \(editor) — set EDITOR to your editor")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .abandoned("the editor \(editor) exited with status \(process.terminationStatus); nothing was queued")
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .abandoned("the draft is empty; nothing was queued")
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines) == draft.trimmingCharacters(in: .whitespacesAndNewlines) {
            return .abandoned("the draft was not changed; nothing was queued (use --as-is to queue the template unchanged)")
        }
        return .edited(text)
    }

    /// A draft with a `Subject:` first line gives that subject; the rest is the body.
    static func split(_ text: String) -> (subject: String?, body: String) {
        guard text.hasPrefix("Subject:") else { return (nil, text) }
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let subject = lines[0].dropFirst("Subject:".count).trimmingCharacters(in: .whitespaces)
        var body = lines.count > 1 ? String(lines[1]) : ""
        while body.hasPrefix("\n") { body.removeFirst() }
        return (subject.isEmpty ? nil : subject, body)
    }

    static func join(subject: String?, body: String) -> String {
        guard let subject, !subject.isEmpty else { return body }
        return "Subject: \(subject)\n\n" + body
    }
}
