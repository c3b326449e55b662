import Foundation

/// A recipient list as the director exports it from Excel or a staff register: RFC 4180 CSV.
///
/// Written by hand rather than taken from SwiftCSV or CSV.swift (both are on the machine)
/// because what matters here is what those readers drop: every record must keep the file line
/// it *starts* on (a quoted field may span lines), so that "line 212: the address is not
/// valid" points at the row the director sees in a text editor; and the separator must be
/// decided from the header line alone — Excel with Swedish regional settings writes `;`, and a
/// name such as "Ek, Anna" in a quoted field must not make a comma file look like anything
/// else. The whole grammar is one small state machine, below.
///
/// Accepted: UTF-8 with or without a byte-order mark (Windows-1252, what "CSV
/// (semikolonavgränsad)" in older Excel writes, is read too, with a warning), CRLF or LF line
/// ends, `,` `;` or tab separators, quoted fields with `""` for a quote and separators or line
/// breaks inside, blank lines (skipped). A quote that is never closed is an error naming the
/// line it opened on.
public struct CSVTable: Sendable, Equatable {
    public struct Record: Sendable, Equatable {
        /// The file line the record starts on (1 = the header).
        public var line: Int
        public var fields: [String]
    }

    public var separator: Character
    public var header: [String]
    public var records: [Record]
    /// Something the director should know but that does not stop the list being used.
    public var warnings: [String] = []

    /// A file that cannot be read as CSV at all.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static func parse(_ data: Data) throws(SyntaxError) -> CSVTable {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var warnings: [String] = []
        let text: String
        if let utf8 = String(bytes: bytes, encoding: .utf8) {
            text = utf8
        } else if let cp1252 = String(data: Data(bytes), encoding: .windowsCP1252) {
            text = cp1252
            warnings.append("the file is not UTF-8; it was read as Windows-1252 (in Excel, save as \"CSV UTF-8\" to be sure å, ä and ö come through)")
        } else {
            throw SyntaxError(line: 1, message: "the file is neither UTF-8 nor Windows-1252 text")
        }
        var table = try parse(text)
        table.warnings = warnings + table.warnings
        return table
    }

    public static func parse(_ text: String) throws(SyntaxError) -> CSVTable {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        let separator = detectSeparator(scalars)
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var quoteLine = 1
        var inQuotes = false
        /// True once the current field began with a quote (so `"a"b` keeps the b, leniently).
        var wasQuoted = false
        /// True when some field of the current record was quoted (`""` alone is a record, not a blank line).
        var wasQuotedRecord = false
        var i = 0

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            wasQuoted = false
        }
        func endRecord() {
            endField()
            // A blank line is one empty field: skip it rather than call it a row with no address.
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuotedRecord) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            wasQuotedRecord = false
        }

        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count, scalars[i + 1] == "\"" {
                        field.append("\"")
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !wasQuoted:
                inQuotes = true
                wasQuoted = true
                wasQuotedRecord = true
                quoteLine = line
            case "\r":
                // CRLF or a lone CR (old Mac exports): both end the record.
                endRecord()
                if i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if Character(c) == separator {
                    endField()
                } else {
                    field.append(c)
                }
            }
            i += 1
        }
        if inQuotes {
            throw SyntaxError(line: quoteLine, message: "a quoted field opened here is never closed (a \" is missing)")
        }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }

        guard let first = records.first else { throw SyntaxError(line: 1, message: "the file is empty; the first line must name the columns") }
        return CSVTable(separator: separator, header: first.fields, records: Array(records.dropFirst()))
    }

    /// The separator is whichever of `;`, `,` and tab occurs most often outside quotes on the
    /// header line (ties go to the comma, RFC 4180's own).
    static func detectSeparator(_ scalars: [Unicode.Scalar]) -> Character {
        var counts: [Character: Int] = [",": 0, ";": 0, "\t": 0]
        var inQuotes = false
        for c in scalars {
            if c == "\"" { inQuotes.toggle(); continue }
            if !inQuotes, c == "\n" || c == "\r" { break }
            if !inQuotes, counts[Character(c)] != nil { counts[Character(c), default: 0] += 1 }
        }
        let best = max(counts[","]!, counts[";"]!, counts["\t"]!)
        if best == 0 || counts[","]! == best { return "," }
        return counts[";"]! == best ? ";" : "\t"
    }
}
