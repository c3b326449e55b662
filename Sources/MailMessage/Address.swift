/// A mailbox: an optional display name and an address (RFC 5322 §3.4).
public struct Address: Sendable, Hashable, Codable {
    public var name: String?
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// Parses an address list leniently: display names (quoted, encoded words, obsolete unquoted
    /// dots), comments (used as the name when there is no other), groups (flattened; the group name is
    /// dropped), route addresses, and junk between commas are all handled. Never fails; entries
    /// without an address are skipped.
    public static func parseList(_ value: String) -> [Address] {
        var defects: [Defect] = []
        return AddressListParser.parse(value, defects: &defects)
    }

    /// True when the address can safely go into the SMTP envelope (MAIL FROM / RCPT TO): one `@`,
    /// non-empty local part and domain, no whitespace, CR, LF, NUL, angle brackets or commas, at
    /// most 254 bytes. This is the gate that keeps header injection out of the SMTP conversation.
    public var isValidForEnvelope: Bool {
        let u = address.utf8
        guard !u.isEmpty, u.count <= 254 else { return false }
        var at = 0
        var atIndex = 0
        for (k, c) in u.enumerated() {
            switch c {
            case 0...32, 127, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: "\""),
                 UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "\\"):
                return false
            case UInt8(ascii: "@"):
                at += 1; atIndex = k
            default: break
            }
        }
        guard at == 1, atIndex > 0, atIndex < u.count - 1 else { return false }
        let domain = address.utf8.dropFirst(atIndex + 1)
        if domain.first == UInt8(ascii: ".") || domain.last == UInt8(ascii: ".") { return false }
        var prevDot = false
        for c in domain {
            let dot = c == UInt8(ascii: ".")
            if dot && prevDot { return false }
            prevDot = dot
        }
        // Unicode text must be valid (it is, being a String) and contain no Unicode line separators.
        for s in address.unicodeScalars where s.value == 0x2028 || s.value == 0x2029 || s.value == 0x85 { return false }
        return true
    }

    /// "Name <address>" for a header, the name quoted or RFC 2047-encoded as needed; the bare
    /// address when there is no name. CR, LF and NUL are removed first.
    public var formatted: String {
        let addr = HeaderSanitizer.clean(address)
        guard let raw = name.map(HeaderSanitizer.clean), !raw.isEmpty else { return addr }
        return Address.encodePhrase(raw) + " <" + addr + ">"
    }

    /// A display name as atoms, a quoted string, or encoded words.
    static func encodePhrase(_ name: String) -> String {
        if EncodedWord.needsEncoding(name) {
            return EncodedWord.encode(name).joined(separator: " ")
        }
        let atomOK = name.utf8.allSatisfy { c in
            c == 32 || isAtext(c)
        }
        if atomOK && !name.hasPrefix(" ") && !name.hasSuffix(" ") && !name.contains("  ") { return name }
        var q = "\""
        for ch in name { if ch == "\"" || ch == "\\" { q.append("\\") }; q.append(ch) }
        return q + "\""
    }

    static func isAtext(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-/=?^_`{|}~".utf8.contains(c)
        }
    }
}

/// Tokenising address-list parser over UTF-8 bytes. Iterative (no recursion) so that nested
/// comments in hostile input cannot exhaust the stack.
enum AddressListParser {
    private enum Token {
        case word([UInt8], quoted: Bool)   // atom or quoted-string content
        case comment([UInt8])
        case angle([UInt8])                // content of <...>
        case special(UInt8)                // , ; : @ .
    }

    static func parse(_ value: String, defects: inout [Defect]) -> [Address] {
        let tokens = tokenize(Array(value.utf8))
        var result: [Address] = []
        var phrase: [Token] = []
        var angle: [UInt8]? = nil
        var comments: [[UInt8]] = []

        func flush() {
            defer { phrase.removeAll(); angle = nil; comments.removeAll() }
            if let a = angle {
                var addr = a
                // Obsolete route: <@relay1,@relay2:user@host>
                if addr.first == UInt8(ascii: "@"), let colon = addr.firstIndex(of: UInt8(ascii: ":")) {
                    addr = Array(addr[(colon + 1)...])
                }
                let address = String(decoding: addr.filter { $0 != 32 && $0 != 9 }, as: UTF8.self)
                guard !address.isEmpty else { return }
                result.append(Address(name: phraseText(phrase, defects: &defects), address: address))
                return
            }
            // Bare addr-spec, possibly obsolete with spaces around dots: join tokens without spaces.
            var spec = [UInt8]()
            var sawAt = false
            var words: [Token] = []
            for t in phrase {
                switch t {
                case .word(let w, let quoted):
                    if quoted { spec.append(UInt8(ascii: "\"")); spec.append(contentsOf: w); spec.append(UInt8(ascii: "\"")) }
                    else { spec.append(contentsOf: w) }
                    words.append(t)
                case .special(let c):
                    spec.append(c)
                    if c == UInt8(ascii: "@") { sawAt = true }
                default: break
                }
            }
            guard !spec.isEmpty else { return }
            if !sawAt && words.count > 1 {
                // "Anna Andersson" with no address at all: not a mailbox.
                return
            }
            let name = comments.last.map { String(decoding: $0, as: UTF8.self).trimmingASCIIWhitespace() }
            let decodedName = name.map { EncodedWord.decode($0, defects: &defects) }
            result.append(Address(name: (decodedName?.isEmpty ?? true) ? nil : decodedName, address: String(decoding: spec, as: UTF8.self)))
        }

        for t in tokens {
            switch t {
            case .special(UInt8(ascii: ",")):
                flush()
            case .special(UInt8(ascii: ";")):
                flush()
            case .special(UInt8(ascii: ":")):
                if angle == nil {
                    // Group name ends here; drop it.
                    phrase.removeAll(); comments.removeAll()
                } else { phrase.append(t) }
            case .angle(let a):
                if angle == nil { angle = a }
            case .comment(let c):
                comments.append(c)
            default:
                if angle == nil { phrase.append(t) }
                // Text after <addr> before the comma is junk; ignore.
            }
        }
        flush()
        return result
    }

    /// The display name: words joined by single spaces, then RFC 2047 decoded (which also joins
    /// adjacent encoded words). Quotes around the whole name are removed.
    private static func phraseText(_ phrase: [Token], defects: inout [Defect]) -> String? {
        var out = [UInt8]()
        var previousWasWord = false
        for t in phrase {
            switch t {
            case .word(let w, _):
                if previousWasWord { out.append(32) }
                out.append(contentsOf: w)
                previousWasWord = true
            case .special(let c):
                out.append(c)
                previousWasWord = false
            default: break
            }
        }
        let s = EncodedWord.decode(String(decoding: out, as: UTF8.self), defects: &defects).trimmingASCIIWhitespace()
        return s.isEmpty ? nil : s
    }

    private static func tokenize(_ b: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            switch c {
            case 32, 9, 10, 13:
                i += 1
            case UInt8(ascii: "\""):
                i += 1
                var w = [UInt8]()
                while i < n && b[i] != UInt8(ascii: "\"") {
                    if b[i] == UInt8(ascii: "\\") && i + 1 < n { i += 1 }
                    if b[i] != 13 && b[i] != 10 { w.append(b[i]) }
                    i += 1
                }
                i += 1
                tokens.append(.word(w, quoted: true))
            case UInt8(ascii: "("):
                var depth = 1
                i += 1
                var w = [UInt8]()
                while i < n && depth > 0 {
                    if b[i] == UInt8(ascii: "\\") && i + 1 < n { i += 1; w.append(b[i]); i += 1; continue }
                    if b[i] == UInt8(ascii: "(") { depth += 1 }
                    if b[i] == UInt8(ascii: ")") { depth -= 1; if depth == 0 { i += 1; break } }
                    w.append(b[i])
                    i += 1
                }
                tokens.append(.comment(w))
            case UInt8(ascii: "<"):
                i += 1
                var w = [UInt8]()
                while i < n && b[i] != UInt8(ascii: ">") {
                    if b[i] == UInt8(ascii: "\"") {
                        // Quoted local part inside angle brackets.
                        w.append(b[i]); i += 1
                        while i < n && b[i] != UInt8(ascii: "\"") { w.append(b[i]); i += 1 }
                        if i < n { w.append(b[i]); i += 1 }
                        continue
                    }
                    w.append(b[i]); i += 1
                }
                i += 1
                tokens.append(.angle(w))
            case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "@"):
                tokens.append(.special(c))
                i += 1
            case UInt8(ascii: ">"), UInt8(ascii: ")"):
                i += 1   // stray closer
            default:
                let start = i
                while i < n {
                    let d = b[i]
                    if d == 32 || d == 9 || d == 10 || d == 13 || d == UInt8(ascii: "\"") || d == UInt8(ascii: "(")
                        || d == UInt8(ascii: "<") || d == UInt8(ascii: ",") || d == UInt8(ascii: ";") || d == UInt8(ascii: ":")
                        || d == UInt8(ascii: "@") || d == UInt8(ascii: ">") || d == UInt8(ascii: ")") { break }
                    i += 1
                }
                tokens.append(.word(Array(b[start..<i]), quoted: false))
            }
        }
        return tokens
    }
}
