import Foundation

/// The Unix mbox format, read and written by hand: no Swift package here does it, and the
/// format is small.
///
/// Written as **mboxrd**: every body line that matches `^>*From ` gets one more `>`, so
/// reading strips exactly one and the bytes come back unchanged. Read as mboxrd too, which
/// also reads mboxo files correctly except for body lines that were `>From ` before mboxo
/// quoting (the ambiguity mboxrd was invented to remove). Line endings: mbox is a Unix file
/// (LF); messages are stored with CRLF as IMAP delivers them, so writing turns CRLF into LF
/// and reading turns every line end back into CRLF.
public enum Mbox {
    /// One message found in an mbox: its bytes (CRLF) and the date on its `From ` line.
    public struct Entry: Sendable {
        public var raw: [UInt8]
        public var envelopeSender: String?
        public var deliveredAt: Date?
    }

    // MARK: - Reading

    /// Splits an mbox into messages. A separator is a line beginning `From ` at the start of
    /// the file or after an empty line.
    public static func read(_ bytes: [UInt8]) -> [Entry] {
        var entries: [Entry] = []
        var current: [UInt8]?
        var fromLine: [UInt8] = []
        var previousBlank = true
        func finish() {
            guard var body = current else { return }
            // The empty line before a separator belongs to the format, not the message.
            if body.suffix(2) == [13, 10] && body.count >= 4 && body.suffix(4) == [13, 10, 13, 10] {
                body.removeLast(2)
            }
            let (sender, date) = parseFromLine(fromLine)
            entries.append(Entry(raw: body, envelopeSender: sender, deliveredAt: date))
        }
        var index = 0
        while index < bytes.count {
            var end = index
            while end < bytes.count && bytes[end] != 10 { end += 1 }
            var line = Array(bytes[index..<end])
            if line.last == 13 { line.removeLast() }
            index = end + 1
            if previousBlank && line.starts(with: Array("From ".utf8)) {
                finish()
                current = []
                fromLine = line
                previousBlank = false
                continue
            }
            previousBlank = line.isEmpty
            guard current != nil else { continue }  // junk before the first separator
            if isQuotedFrom(line) { line.removeFirst() }
            current!.append(contentsOf: line)
            current!.append(contentsOf: [13, 10])
        }
        finish()
        return entries
    }

    /// `>From `, `>>From `, …: a body line that was quoted on writing.
    static func isQuotedFrom(_ line: [UInt8]) -> Bool {
        var i = 0
        while i < line.count && line[i] == UInt8(ascii: ">") { i += 1 }
        return i > 0 && line[i...].starts(with: Array("From ".utf8))
    }

    static func needsQuoting(_ line: ArraySlice<UInt8>) -> Bool {
        var i = line.startIndex
        while i < line.endIndex && line[i] == UInt8(ascii: ">") { i += 1 }
        return line[i...].starts(with: Array("From ".utf8))
    }

    /// `From sender Thu Nov 23 10:00:00 2026` (asctime, UTC by convention).
    static func parseFromLine(_ line: [UInt8]) -> (String?, Date?) {
        let parts = String(decoding: line, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return (nil, nil) }
        let sender = String(parts[1])
        let rest = parts.dropFirst(2).joined(separator: " ")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["EEE MMM d HH:mm:ss yyyy", "EEE MMM d HH:mm:ss yyyy Z", "EEE MMM d HH:mm yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: rest) { return (sender, date) }
        }
        return (sender, nil)
    }

    // MARK: - Writing

    /// One message as an mbox entry: `From ` line, quoted LF body, empty line.
    public static func entry(_ raw: [UInt8], sender: String = "MAILER-DAEMON", date: Date) -> [UInt8] {
        var out = Array("From \(sender.isEmpty ? "MAILER-DAEMON" : sender) \(asctime(date))\n".utf8)
        var index = 0
        while index < raw.count {
            var end = index
            while end < raw.count && raw[end] != 10 { end += 1 }
            var lineEnd = end
            if lineEnd > index && raw[lineEnd - 1] == 13 { lineEnd -= 1 }
            let line = raw[index..<lineEnd]
            if needsQuoting(line) { out.append(UInt8(ascii: ">")) }
            out.append(contentsOf: line)
            out.append(10)
            index = end + 1
        }
        out.append(10)
        return out
    }

    static func asctime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd HH:mm:ss yyyy"
        return formatter.string(from: date)
    }
}
