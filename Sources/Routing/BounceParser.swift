/// Reads delivery failure reports: standard DSNs (RFC 3464, `multipart/report;
/// report-type=delivery-status`) and the free-text bounces many servers still send from
/// MAILER-DAEMON or postmaster.
///
/// Hand-written because the formats are simple field lists and free text; there is no
/// package for them, and the module must stay free of the MIME parser.
enum BounceParser {
    static let daemonLocalParts: Set<String> = ["mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon"]

    /// Subject starts of non-standard bounces, folded and lowercased.
    static let bounceSubjects = [
        "undelivered mail returned to sender", "delivery status notification (failure)",
        "delivery status notification (delay)", "olevererbart", "ej levererat", "returned mail",
        "mail delivery failed", "undeliverable", "mail delivery failure", "delivery failure",
        "failure notice", "mail delivery system", "kunde inte levereras", "returnerat meddelande",
    ]

    /// Body phrases of free-text bounces, folded and lowercased.
    static let bounceBodyCues = [
        "could not be delivered", "delivery has failed", "undeliverable", "permanent error", "user unknown",
        "mailbox unavailable", "delivery to the following recipient", "message could not be delivered",
        "kunde inte levereras", "det gick inte att leverera", "leveransen misslyckades", "returned to sender",
    ]

    /// Where the returned copy of the original message starts in free-text bounces; addresses
    /// after it belong to the original message, not to the failure.
    static let returnedCopyMarkers = [
        "------ this is a copy of the message", "----- original message -----", "original message headers",
        "below this line is a copy of the message", "------- the header of the original message",
        "--- the header of the original message", "content-type: message/rfc822",
        "ursprungligt meddelande", "-----original message-----",
    ]

    static func report(for evidence: RobotEvidence) -> BounceReport? {
        let contentType = evidence.contentType.lowercased()
        let isDSN = contentType.contains("multipart/report") && contentType.contains("delivery-status")
        if isDSN || evidence.deliveryStatus != nil {
            if let status = evidence.deliveryStatus, let report = dsnReport(status, evidence: evidence) {
                return report
            }
            return freeTextReport(evidence)
        }
        guard looksLikeFreeTextBounce(evidence) else { return nil }
        return freeTextReport(evidence)
    }

    static func isDaemon(_ address: String) -> Bool {
        let local = address.split(separator: "@").first.map { $0.lowercased() } ?? ""
        return daemonLocalParts.contains(local)
    }

    static func looksLikeFreeTextBounce(_ evidence: RobotEvidence) -> Bool {
        let fromMachine = isDaemon(evidence.fromAddress) || evidence.returnPath == ""
        guard fromMachine else { return false }
        let subject = Folding.fold(evidence.normalizedSubject)
        if bounceSubjects.contains(where: { subject.hasPrefix($0) }) { return true }
        let text = Folding.fold(evidence.text.lowercased())
        return bounceBodyCues.contains { text.contains($0) }
    }

    // MARK: - RFC 3464

    static func dsnReport(_ deliveryStatus: String, evidence: RobotEvidence) -> BounceReport? {
        var recipients: [BouncedRecipient] = []
        for block in fieldBlocks(deliveryStatus) {
            let recipientField = block["original-recipient"] ?? block["final-recipient"]
            guard let recipientField, let address = addressFromTypedField(recipientField) else { continue }
            recipients.append(BouncedRecipient(
                address: address,
                action: block["action"].map { $0.lowercased() },
                status: block["status"].flatMap { $0.split(separator: " ").first.map(String.init) },
                diagnostic: block["diagnostic-code"]))
        }
        guard !recipients.isEmpty else { return nil }
        let permanent = recipients.contains { $0.action == "failed" || ($0.status?.hasPrefix("5") ?? false) }
        return BounceReport(recipients: recipients, originalMessageID: originalMessageID(evidence), isPermanent: permanent)
    }

    /// Splits "Name: value" blocks separated by blank lines, unfolding continuation lines.
    /// Field names are lowercased; the first occurrence in a block wins.
    static func fieldBlocks(_ text: String) -> [[String: String]] {
        var blocks: [[String: String]] = []
        var current: [String: String] = [:]
        var lastName: String?
        let lines = text.replacingCRLF().split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            if line.trimmingSpaces().isEmpty {
                if !current.isEmpty { blocks.append(current); current = [:] }
                lastName = nil
                continue
            }
            if let first = line.first, first == " " || first == "\t", let name = lastName {
                current[name, default: ""] += " " + line.trimmingSpaces()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingSpaces().lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            if current[name] == nil { current[name] = value }
            lastName = name
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks
    }

    /// "rfc822; <a@b.se>" → "a@b.se".
    static func addressFromTypedField(_ value: String) -> String? {
        let raw = value.split(separator: ";", maxSplits: 1).last.map { $0.trimmingSpaces() } ?? ""
        let address = raw.trimmingCharacters(in: "<> ")
        return address.contains("@") ? address.lowercased() : nil
    }

    static func originalMessageID(_ evidence: RobotEvidence) -> String? {
        if let headers = evidence.returnedHeaders, let id = messageIDField(in: headers) { return id }
        return messageIDField(in: evidence.text)
    }

    static func messageIDField(in text: String) -> String? {
        let lines = text.replacingCRLF().split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingSpaces()
            guard trimmed.lowercased().hasPrefix("message-id:") else { continue }
            var value = String(trimmed.dropFirst("message-id:".count)).trimmingSpaces()
            if value.isEmpty, index + 1 < lines.count { value = lines[index + 1].trimmingSpaces() }   // folded
            let id = value.trimmingCharacters(in: "<> ")
            if !id.isEmpty { return id }
        }
        return nil
    }

    // MARK: - Free text

    static func freeTextReport(_ evidence: RobotEvidence) -> BounceReport {
        let text = evidence.text.replacingCRLF()
        // Keep the lines before the returned copy of the original message.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let cut = lines.firstIndex { line in
            let lower = line.lowercased()
            return lower.hasPrefix("received:") || returnedCopyMarkers.contains { lower.contains($0) }
        } ?? lines.endIndex
        let diagnosticPart = lines[..<cut].joined(separator: "\n")
        let own = evidence.ownLoopID.lowercased()
        let sender = evidence.fromAddress.lowercased()
        var addresses: [String] = []
        for candidate in emailAddresses(in: diagnosticPart)
        where !isDaemon(candidate) && candidate != own && candidate != sender && !addresses.contains(candidate) {
            addresses.append(candidate)
        }
        let status = enhancedStatus(in: diagnosticPart)
        let reason = reasonLine(in: diagnosticPart, status: status)
        let foldedLower = Folding.fold(diagnosticPart.lowercased())
        let temporary = (status?.hasPrefix("4") ?? false)
            || ["delayed", "will retry", "still trying", "warning: message", "forsenad", "nytt forsok"].contains { foldedLower.contains($0) }
        let recipients = addresses.map {
            BouncedRecipient(address: $0, action: temporary ? "delayed" : "failed", status: status, diagnostic: reason)
        }
        return BounceReport(recipients: recipients, originalMessageID: originalMessageID(evidence), isPermanent: !temporary)
    }

    /// Things that look like mail addresses, lowercased, in order of appearance.
    static func emailAddresses(in text: String) -> [String] {
        let separators: Set<Character> = [" ", "\t", "\n", "<", ">", "(", ")", ",", ";", "\"", "'", "[", "]", ":"]
        return text.split(whereSeparator: { separators.contains($0) }).compactMap { token -> String? in
            let candidate = token.trimmingCharacters(in: ".").lowercased()
            let parts = candidate.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
                  !parts[1].hasSuffix(".") else { return nil }
            return candidate
        }
    }

    /// The first enhanced status code "X.Y.Z" with X in 2, 4 or 5.
    static func enhancedStatus(in text: String) -> String? {
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if ["2", "4", "5"].contains(chars[i]), i + 4 < chars.count, chars[i + 1] == ".",
               i == 0 || !(chars[i - 1].isNumber || chars[i - 1] == ".") {
                var j = i + 2
                let secondStart = j
                while j < chars.count, chars[j].isNumber, j - secondStart < 3 { j += 1 }
                if j > secondStart, j < chars.count, chars[j] == "." {
                    j += 1
                    let thirdStart = j
                    while j < chars.count, chars[j].isNumber, j - thirdStart < 3 { j += 1 }
                    if j > thirdStart, j == chars.count || !(chars[j].isNumber || chars[j] == ".") {
                        return String(chars[i..<j])
                    }
                }
            }
            i += 1
        }
        return nil
    }

    static let reasonCues = ["user unknown", "does not exist", "no such user", "mailbox unavailable", "mailbox full",
                             "quota", "rejected", "finns inte", "okand mottagare", "not found", "address not found",
                             "unknown user", "recipient address"]

    /// The server's explanation: the line carrying the status code or a known reason, plus its
    /// continuation when the line was wrapped.
    static func reasonLine(in text: String, status: String?) -> String? {
        let lines = text.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        let index = lines.firstIndex { line in
            if let status, line.contains(status) { return true }
            let folded = Folding.fold(line.lowercased())
            return reasonCues.contains { folded.contains($0) } || smtpReplyCode(in: line)
        }
        guard let index else { return nil }
        var reason = lines[index]
        // Postfix wraps "said: 550 5.1.1 ..." over indented lines.
        if index + 1 < lines.count, reason.count < 200, lines[index + 1].first?.isLowercase == true
            || lines[index + 1].hasPrefix("(") {
            reason += " " + lines[index + 1]
        }
        return String(reason.prefix(300))
    }

    static func smtpReplyCode(in line: String) -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "-" })
        return words.contains { word in
            word.count == 3 && (word.first == "5" || word.first == "4") && word.allSatisfy(\.isNumber)
        }
    }
}

extension String {
    func replacingCRLF() -> String {
        guard contains("\r") else { return self }
        return String(unicodeScalars.filter { $0 != "\r" }.map(Character.init))
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        guard let first = firstIndex(where: { !characters.contains($0) }),
              let last = lastIndex(where: { !characters.contains($0) }) else { return "" }
        return String(self[first...last])
    }
}
