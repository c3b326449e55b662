/// Decides whether a message was written by a person or sent by a machine.
///
/// The order matters: a loop is checked first (answering it would loop again), then
/// delivery reports (they often also carry `Auto-Submitted`, but need their recipients
/// read), then mailing lists (a `List-Id` is more specific than `Precedence: list`), then
/// the auto-reply headers of RFC 3834 and the vendor headers that predate it, and last
/// the out-of-office wording, which is the weakest signal.
public enum RobotDetector {
    public static func verdict(for evidence: RobotEvidence) -> RobotVerdict {
        if let reason = loopReason(evidence) { return .loop(reason: reason) }
        if let report = BounceParser.report(for: evidence) { return .bounce(report) }
        if evidence.contentType.lowercased().contains("disposition-notification") {
            return .autoReply(reason: "read receipt (RFC 8098)")
        }
        if let listID = mailingListID(evidence) { return .mailingList(id: listID) }
        if let reason = autoReplyHeaderReason(evidence) { return .autoReply(reason: reason) }
        if let reason = outOfOfficeWording(evidence) { return .autoReply(reason: reason) }
        return .human
    }

    static func loopReason(_ evidence: RobotEvidence) -> String? {
        let own = evidence.ownLoopID.trimmingSpaces().lowercased()
        guard !own.isEmpty else { return nil }
        for value in evidence.values(of: "X-Loop") where value.lowercased().contains(own) {
            return "X-Loop names this installation"
        }
        return nil
    }

    static func mailingListID(_ evidence: RobotEvidence) -> String? {
        if let listID = evidence.value(of: "List-Id")?.trimmingSpaces(), !listID.isEmpty {
            // "Chefsnytt <chefsnytt.lists.example.se>" → "chefsnytt.lists.example.se"
            if let open = listID.lastIndex(of: "<"), let close = listID.lastIndex(of: ">"), open < close {
                return String(listID[listID.index(after: open)..<close])
            }
            return listID
        }
        let precedence = evidence.value(of: "Precedence")?.trimmingSpaces().lowercased()
        if precedence == "list", let unsubscribe = evidence.value(of: "List-Unsubscribe"), !unsubscribe.isEmpty {
            return unsubscribe.trimmingSpaces()
        }
        return nil
    }

    static func autoReplyHeaderReason(_ evidence: RobotEvidence) -> String? {
        if let value = evidence.value(of: "Auto-Submitted") {
            let keyword = value.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
            if !keyword.isEmpty, keyword != "no" { return "Auto-Submitted: \(keyword)" }
        }
        if evidence.value(of: "X-Autoreply") != nil { return "X-Autoreply" }
        if evidence.value(of: "X-Autorespond") != nil { return "X-Autorespond" }
        if let value = evidence.value(of: "X-Auto-Response-Suppress") {
            let parts = value.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased() }
            if parts.contains("oof") || parts.contains("all") { return "X-Auto-Response-Suppress: \(value.trimmingSpaces())" }
        }
        if let value = evidence.value(of: "Precedence")?.trimmingSpaces().lowercased(),
           ["bulk", "junk", "list", "auto_reply"].contains(value) {
            return "Precedence: \(value)"
        }
        return nil
    }

    /// Subject starts typical of out-of-office replies, folded (å→a etc.) and lowercased.
    static let outOfOfficeSubjects = [
        "franvaromeddelande", "automatiskt svar", "autosvar", "out of office", "out of the office",
        "automatic reply", "auto-reply", "autoreply", "auto reply", "abwesenheitsnotiz",
    ]

    /// Body phrases typical of out-of-office replies, folded and lowercased.
    static let outOfOfficeBodies = [
        "jag ar ledig till och med", "jag ar borta till och med", "jag ar pa semester till och med",
        "jag ar ledig t.o.m", "jag ar pa semester t.o.m", "jag ar borta t.o.m", "jag ar tjanstledig",
        "jag ar foraldraledig", "jag har semester till och med", "jag ar ledig fran och med",
        "i am out of the office", "i'm out of the office", "i am currently out of the office",
        "i am away from the office", "i will be out of the office", "i am on annual leave", "i am on vacation until",
    ]

    static func outOfOfficeWording(_ evidence: RobotEvidence) -> String? {
        let foldedSubject = Folding.fold(evidence.normalizedSubject)
        if let phrase = outOfOfficeSubjects.first(where: { foldedSubject.hasPrefix($0) }) {
            return "out-of-office subject (\(phrase))"
        }
        // Body wording is weaker: a person may write "jag är ledig till och med fredag, men…"
        // and still ask something. Only short texts without a question count.
        let text = evidence.text
        guard !text.utf8.contains(UInt8(ascii: "?")) else { return nil }
        // Counting at most 1,500 Characters: a full count walks every grapheme of a long text.
        let isShort = text.utf8.count < 1500 || text.index(text.startIndex, offsetBy: 1500, limitedBy: text.endIndex) == nil
        guard isShort else { return nil }
        let folded = phraseSearchBytes(text)
        if let phrase = outOfOfficeBodyBytes.first(where: { contains(folded, $0.bytes) }) {
            return "out-of-office text (\(phrase.phrase))"
        }
        return nil
    }

    static let outOfOfficeBodyBytes = outOfOfficeBodies.map { (phrase: $0, bytes: Array($0.utf8)) }

    /// `text` lowercased and folded, each run of whitespace one space, as UTF-8: phrases are
    /// then found by comparing bytes. One pass over the scalars, lowercasing each on its own:
    /// `String.lowercased()` of the whole text, then folding it as a second string, was most
    /// of robot detection's time per message (the phrases are ASCII, so the context rules of
    /// whole-string lowercasing, such as a final sigma, never matter here).
    static func phraseSearchBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        func append(_ scalar: Unicode.Scalar) {
            guard let folded = Folding.fold(scalar) else { return }
            if pendingSpace {
                out.append(UInt8(ascii: " "))
                pendingSpace = false
            }
            UTF8.encode(folded) { out.append($0) }
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if v == 0x20 || (0x09...0x0D).contains(v) {
                    pendingSpace = !out.isEmpty
                } else {
                    append((0x41...0x5A).contains(v) ? Unicode.Scalar(UInt8(v + 0x20)) : scalar)
                }
            } else if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
            } else if scalar.properties.changesWhenLowercased {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { append(lower) }
            } else {
                append(scalar)
            }
        }
        return out
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
