/// Parsers for the few untagged responses Kontakt reads. Each takes the lines libcurl
/// delivered and ignores what it does not recognise, because libcurl may pass along
/// unrelated untagged lines (EXISTS, RECENT, FLAGS) in the same transfer.
enum IMAPResponse {
    /// `* SEARCH 3 7 9` → [3, 7, 9]
    static func searchUIDs(_ lines: [String]) -> [UInt32] {
        var uids: [UInt32] = []
        for line in lines where line.uppercased().hasPrefix("* SEARCH") {
            for word in line.dropFirst(8).split(separator: " ") {
                if let uid = UInt32(word) { uids.append(uid) }
            }
        }
        return uids
    }

    /// `* CAPABILITY IMAP4rev1 MOVE UIDPLUS` → ["IMAP4REV1", "MOVE", "UIDPLUS"]
    static func capabilities(_ lines: [String]) -> Set<String> {
        var caps: Set<String> = []
        for line in lines {
            let upper = line.uppercased()
            if upper.hasPrefix("* CAPABILITY ") {
                caps.formUnion(upper.dropFirst(13).split(separator: " ").map(String.init))
            } else if let r = upper.range(of: "[CAPABILITY ") {
                let rest = upper[r.upperBound...]
                let end = rest.firstIndex(of: "]") ?? rest.endIndex
                caps.formUnion(rest[..<end].split(separator: " ").map(String.init))
            }
        }
        return caps
    }

    /// `* STATUS "INBOX" (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 1700)` → the numbers by name.
    static func statusItems(_ lines: [String]) -> [String: UInt64] {
        var items: [String: UInt64] = [:]
        for line in lines where line.uppercased().hasPrefix("* STATUS ") {
            guard let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else { continue }
            let words = line[line.index(after: open)..<close].split(separator: " ")
            var i = 0
            while i + 1 < words.count {
                if let value = UInt64(words[i + 1]) { items[words[i].uppercased()] = value }
                i += 2
            }
        }
        return items
    }

    /// `* 4 FETCH (UID 17 RFC822.SIZE 2048)` → [17: 2048]
    static func fetchSizes(_ lines: [String]) -> [UInt32: Int] {
        var sizes: [UInt32: Int] = [:]
        for line in lines where line.hasPrefix("* ") && line.uppercased().contains(" FETCH (") {
            let words = line.uppercased().replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: ")", with: " ")
                .split(separator: " ")
            var uid: UInt32?
            var size: Int?
            for (i, word) in words.enumerated() where i + 1 < words.count {
                if word == "UID" { uid = UInt32(words[i + 1]) }
                if word == "RFC822.SIZE" { size = Int(words[i + 1]) }
            }
            if let uid, let size { sizes[uid] = size }
        }
        return sizes
    }

    /// `* LIST (\HasNoChildren) "/" "Kontakt/Behandlat"` → the names (modified UTF-7, unquoted).
    static func listedNames(_ lines: [String]) -> [String] {
        lines.compactMap { line in
            guard line.uppercased().hasPrefix("* LIST ") else { return nil }
            if line.hasSuffix("\"") {
                let body = line.dropLast()
                guard let open = body.lastIndex(of: "\"") else { return nil }
                return String(body[body.index(after: open)...]).replacingOccurrences(of: "\\\"", with: "\"")
            }
            return line.split(separator: " ").last.map(String.init)
        }
    }

    /// `* OK [UIDVALIDITY 1700] UIDs valid` anywhere in the lines.
    static func uidValidity(_ lines: [String]) -> UInt32? {
        for line in lines {
            let upper = line.uppercased()
            if let r = upper.range(of: "[UIDVALIDITY ") {
                let digits = upper[r.upperBound...].prefix(while: { $0.isNumber })
                return UInt32(digits)
            }
        }
        return nil
    }
}
