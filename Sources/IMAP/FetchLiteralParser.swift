import Foundation

/// Reads message bodies out of the raw bytes of a custom `UID FETCH a:b (UID BODY.PEEK[])`.
///
/// libcurl 7.88 does not parse literals in custom commands: every server line, literal
/// octets included, reaches the header callback, and a literal line that happens to start
/// with the command's tag ends the response early. So this parser trusts nothing: a body
/// counts only if its literal is complete and the FETCH response closes right after it.
/// Everything it cannot vouch for is reported as missing, and the caller fetches those
/// UIDs one at a time through URLs (where libcurl does parse the literal).
enum FetchLiteralParser {
    struct Result {
        var bodies: [UInt32: [UInt8]] = [:]
        /// True when the transfer ended cleanly with a tagged OK after the last response.
        var endedCleanly = false
    }

    static func parse(_ bytes: [UInt8]) -> Result {
        var result = Result()
        var i = 0
        let n = bytes.count
        func lineEnd(from start: Int) -> Int? {
            var j = start
            while j < n { if bytes[j] == 0x0A { return j }; j += 1 }
            return nil
        }
        while i < n {
            guard let end = lineEnd(from: i) else { break }
            let line = bytes[i..<end]
            if line.starts(with: Array("* ".utf8)), let literal = literalLength(atEndOf: line) {
                // An untagged FETCH carrying a literal: take exactly `literal` bytes.
                let prefix = String(decoding: line, as: UTF8.self).uppercased()
                let bodyStart = end + 1
                let bodyEnd = bodyStart + literal
                guard prefix.contains(" FETCH "), prefix.contains("BODY[]"), bodyEnd <= n else { return result }
                // The rest of the response after the literal: e.g. " UID 17)" or ")".
                guard let tailEnd = lineEnd(from: bodyEnd) else { return result }
                let tail = String(decoding: bytes[bodyEnd..<tailEnd], as: UTF8.self)
                    .trimmingCharacters(in: .init(charactersIn: "\r"))
                guard tail.hasSuffix(")") else { return result }
                let uid = uidValue(in: prefix) ?? uidValue(in: tail.uppercased())
                if let uid { result.bodies[uid] = Array(bytes[bodyStart..<bodyEnd]) }
                i = tailEnd + 1
                continue
            }
            let text = String(decoding: line, as: UTF8.self)
            if !text.hasPrefix("*"), !text.hasPrefix("+") {
                let words = text.split(separator: " ")
                if words.count >= 2, words[1].uppercased() == "OK", tailEndsInput(after: end, n: n) {
                    result.endedCleanly = true
                }
            }
            i = end + 1
        }
        return result
    }

    private static func tailEndsInput(after end: Int, n: Int) -> Bool { end + 1 >= n }

    private static func literalLength(atEndOf line: ArraySlice<UInt8>) -> Int? {
        var slice = line
        if slice.last == 0x0D { slice = slice.dropLast() }
        guard slice.last == UInt8(ascii: "}") else { return nil }
        guard let open = slice.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = slice[(open + 1)..<(slice.endIndex - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count < 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    private static func uidValue(in text: String) -> UInt32? {
        let words = text.replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: ")", with: " ").split(separator: " ")
        for (k, word) in words.enumerated() where word == "UID" && k + 1 < words.count {
            if let uid = UInt32(words[k + 1]) { return uid }
        }
        return nil
    }
}
