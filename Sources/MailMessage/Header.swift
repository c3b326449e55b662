/// One header field: its name as written and its value unfolded and decoded (RFC 2047 encoded words
/// and raw 8-bit bytes turned into text).
public struct Header: Sendable, Hashable {
    public var name: String
    public var value: String
    /// The unfolded value before RFC 2047 decoding. Structured fields (addresses, MIME parameters)
    /// are parsed from this, because decoding first could turn an encoded comma into a list separator.
    var rawValue: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
        self.rawValue = value
    }

    init(name: String, value: String, rawValue: String) {
        self.name = name
        self.value = value
        self.rawValue = rawValue
    }

    public static func == (a: Header, b: Header) -> Bool { a.name == b.name && a.value == b.value }
    public func hash(into h: inout Hasher) { h.combine(name); h.combine(value) }

    /// ASCII case-insensitive name comparison without allocating lowercased copies.
    func hasName(_ other: String) -> Bool { name.asciiCaseInsensitiveEquals(other) }
}

extension String {
    func asciiCaseInsensitiveEquals(_ other: String) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x + 32 : x
            let ly = (y >= 65 && y <= 90) ? y + 32 : y
            if lx != ly { return false }
        }
        return true
    }
}

extension Array where Element == Header {
    func first(named name: String) -> Header? { first { $0.hasName(name) } }
}

/// Splits a header block into fields (RFC 5322 §2.2, with the obsolete and broken forms tolerated).
enum HeaderParser {
    struct Result {
        var headers: [Header]
        /// Index of the first body byte (after the empty line), or the end of the range.
        var bodyStart: Int
    }

    /// Parses header lines from `range` of `bytes` up to the first empty line.
    ///
    /// Lines end in LF with an optional CR. Continuation lines (starting with space or tab) are
    /// unfolded by removing the line break. A first line "From " (mbox separator) is skipped. A line
    /// without a colon ends the header block (defect), as Python does, so a message missing its empty
    /// line still has a body. Values are decoded as UTF-8 when valid, else Windows-1252.
    static func parse(_ bytes: [UInt8], range: Range<Int>, maxHeaders: Int, defects: inout [Defect]) -> Result {
        var headers: [Header] = []
        var i = range.lowerBound
        let end = range.upperBound
        var currentName: String? = nil
        var currentValue = [UInt8]()
        var dropped = false
        var first = true

        func finish(_ headers: inout [Header], _ defects: inout [Defect]) {
            guard let name = currentName else { return }
            currentName = nil
            if headers.count >= maxHeaders {
                if !dropped { defects.append(.tooManyHeaders(limit: maxHeaders)); dropped = true }
                return
            }
            let raw: String
            if Charset.isASCII(currentValue) {
                raw = String(decoding: currentValue, as: UTF8.self)
            } else if let s = String(validating: currentValue, as: UTF8.self) {
                raw = s
            } else {
                defects.append(.undeclared8BitHeader(name: name))
                raw = Charset.decodeWindows1252(currentValue)
            }
            let trimmed = raw.trimmingASCIIWhitespace()
            let decoded = HeaderParser.isParameterized(name) ? trimmed : EncodedWord.decode(trimmed, defects: &defects)
            headers.append(Header(name: name, value: decoded, rawValue: trimmed))
        }

        return bytes.withUnsafeBufferPointer { buf -> Result in
            while i < end {
                // Find end of line.
                var lineEnd = i
                while lineEnd < end && buf[lineEnd] != 10 { lineEnd += 1 }
                let next = lineEnd < end ? lineEnd + 1 : end
                var contentEnd = lineEnd
                if contentEnd > i && buf[contentEnd - 1] == 13 { contentEnd -= 1 }
                if contentEnd == i {
                    // Empty line: end of headers.
                    finish(&headers, &defects)
                    return Result(headers: headers, bodyStart: next)
                }
                let c0 = buf[i]
                if c0 == 32 || c0 == 9 {
                    if currentName != nil {
                        if currentValue.count < 1_000_000 {
                            currentValue.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<contentEnd]))
                        }
                    } else if first || headers.isEmpty {
                        defects.append(.firstLineIsContinuation)
                    }
                    i = next
                    first = false
                    continue
                }
                if first && contentEnd - i >= 5 && buf[i] == UInt8(ascii: "F") && buf[i + 1] == UInt8(ascii: "r")
                    && buf[i + 2] == UInt8(ascii: "o") && buf[i + 3] == UInt8(ascii: "m") && buf[i + 4] == 32 {
                    i = next; first = false; continue     // mbox "From " separator line
                }
                // Find the colon.
                var colon = i
                while colon < contentEnd && buf[colon] != UInt8(ascii: ":") { colon += 1 }
                if colon == contentEnd {
                    finish(&headers, &defects)
                    defects.append(.missingHeaderBodySeparator)
                    return Result(headers: headers, bodyStart: i)
                }
                finish(&headers, &defects)
                first = false
                var nameEnd = colon
                while nameEnd > i && (buf[nameEnd - 1] == 32 || buf[nameEnd - 1] == 9) { nameEnd -= 1 }
                var nameOK = nameEnd > i
                for k in i..<nameEnd where buf[k] <= 32 || buf[k] >= 127 { nameOK = false; break }
                let nameBytes = UnsafeBufferPointer(rebasing: buf[i..<nameEnd])
                if !nameOK {
                    defects.append(.invalidHeaderName(Charset.decodeWindows1252(nameBytes.prefix(100))))
                    i = next
                    continue
                }
                currentName = String(decoding: nameBytes, as: UTF8.self)
                currentValue.removeAll(keepingCapacity: true)
                currentValue.append(contentsOf: UnsafeBufferPointer(rebasing: buf[(colon + 1)..<contentEnd]))
                i = next
            }
            finish(&headers, &defects)
            return Result(headers: headers, bodyStart: end)
        }
    }

    /// Fields whose values carry MIME parameters; RFC 2047 must not be applied to them as a whole.
    static func isParameterized(_ name: String) -> Bool {
        name.asciiCaseInsensitiveEquals("Content-Type") || name.asciiCaseInsensitiveEquals("Content-Disposition")
    }
}
