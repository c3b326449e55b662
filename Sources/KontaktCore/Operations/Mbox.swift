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
        var splitter = Splitter()
        return splitter.feed(bytes) + splitter.finish()
    }

    /// Splits an mbox as its bytes arrive, so that a file of any size is read a piece at a
    /// time (`FileReader`) and only the message being assembled is held in memory.
    public struct Splitter {
        private var current: [UInt8]?
        private var fromLine: [UInt8] = []
        private var previousBlank = true
        /// The start of a line whose end has not arrived yet.
        private var partial: [UInt8] = []

        public init() {}

        /// Takes the next bytes of the file; returns the messages they completed.
        public mutating func feed(_ chunk: [UInt8]) -> [Entry] {
            var entries: [Entry] = []
            var bytes = chunk
            if !partial.isEmpty {
                bytes = partial + chunk
                partial = []
            }
            var index = 0
            while let end = Splitter.lineFeed(in: bytes, from: index) {
                take(line: bytes[index..<end], into: &entries)
                index = end + 1
            }
            partial = Array(bytes[index...])
            return entries
        }

        /// Ends the input; returns the last message.
        public mutating func finish() -> [Entry] {
            var entries: [Entry] = []
            if !partial.isEmpty {
                take(line: partial[...], into: &entries)
                partial = []
            }
            finishMessage(into: &entries)
            return entries
        }

        private static let separator = Array("From ".utf8)

        /// memchr rather than a generic search: an mbox is mostly long base64 runs.
        private static func lineFeed(in bytes: [UInt8], from start: Int) -> Int? {
            guard start < bytes.count else { return nil }
            return bytes.withUnsafeBufferPointer { buffer in
                memchr(buffer.baseAddress! + start, 10, buffer.count - start).map {
                    buffer.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self))
                }
            }
        }

        private mutating func take(line slice: ArraySlice<UInt8>, into entries: inout [Entry]) {
            var line = slice
            if line.last == 13 { line.removeLast() }
            if previousBlank && line.starts(with: Splitter.separator) {
                finishMessage(into: &entries)
                current = []
                fromLine = Array(line)
                previousBlank = false
                return
            }
            previousBlank = line.isEmpty
            guard current != nil else { return }  // junk before the first separator
            // `>From `, `>>From `, …: quoted on writing (`needsQuoting` after one `>`), so one goes.
            if line.first == UInt8(ascii: ">"), Mbox.needsQuoting(line) { line.removeFirst() }
            current!.append(contentsOf: line)
            current!.append(13)
            current!.append(10)
        }

        private mutating func finishMessage(into entries: inout [Entry]) {
            guard var body = current else { return }
            current = nil
            // The empty line before a separator belongs to the format, not the message.
            if body.suffix(2) == [13, 10] && body.count >= 4 && body.suffix(4) == [13, 10, 13, 10] {
                body.removeLast(2)
            }
            let (sender, date) = Mbox.parseFromLine(fromLine)
            entries.append(Entry(raw: body, envelopeSender: sender, deliveredAt: date))
        }
    }

    /// The messages of an mbox file, read 1 MB at a time.
    public final class FileReader {
        private let handle: FileHandle
        private var splitter = Splitter()
        private var ready: [Entry] = []
        private var ended = false

        public init(path: String) throws {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        }

        deinit { try? handle.close() }

        /// The next message, or nil at the end of the file.
        public func next() throws -> Entry? {
            while ready.isEmpty && !ended {
                let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
                if chunk.isEmpty {
                    ended = true
                    ready += splitter.finish()
                } else {
                    ready += splitter.feed([UInt8](chunk))
                }
            }
            return ready.isEmpty ? nil : ready.removeFirst()
        }
    }

    /// `>*From `: a body line mboxrd writes with one more `>`; starting with `>`, one that was
    /// quoted so (the reader takes one off).
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
