/// Who wrote: decides templates and how the director's queue groups mail.
public enum SenderKind: String, Sendable, Codable, CaseIterable {
    case colleague, business, resident
}

/// Sorts senders into colleagues, businesses and residents.
///
/// Configured domains decide first (a subdomain of an internal domain is internal too:
/// `skola.kommun.example.se` under `kommun.example.se`). Otherwise organisational cues in the
/// text — company forms and registration numbers typical of Swedish and English signatures —
/// mark a business; everybody else is a resident.
public enum SenderKindClassifier {
    /// Cues matched as whole words, case-sensitively: "AB" and "VD" in lowercase are ordinary text.
    static let caseSensitiveCues: Set<String> = ["AB", "VD", "HB", "KB"]
    /// Cues matched as whole words (or word sequences), case-insensitively.
    static let caseInsensitiveCues: [[String]] = [
        ["aktiebolag"], ["org.nr"], ["org", "nr"], ["orgnr"], ["organisationsnummer"], ["inc"], ["ltd"], ["gmbh"], ["llc"],
    ]

    public static func kind(address: String, text: String, internalDomains: [String], businessDomains: [String]) -> SenderKind {
        let domain = address.split(separator: "@").last.map { $0.lowercased().trimmingCharacters(in: "> .") } ?? ""
        if !domain.isEmpty {
            if internalDomains.contains(where: { matches(domain: domain, configured: $0) }) { return .colleague }
            if businessDomains.contains(where: { matches(domain: domain, configured: $0) }) { return .business }
        }
        return hasOrganisationalCue(text) ? .business : .resident
    }

    static func matches(domain: String, configured: String) -> Bool {
        let configured = configured.lowercased().trimmingCharacters(in: "@. ")
        guard !configured.isEmpty else { return false }
        return domain == configured || domain.hasSuffix("." + configured)
    }

    /// Organisational cues stand in the closing lines, so only the last part of a long text is read.
    static let cueWindow = 3_000

    static func hasOrganisationalCue(_ text: String) -> Bool {
        // Words keep inner dots so "Org.nr" survives; surrounding punctuation is trimmed.
        // Split on scalars: Character-based splitting dominated this check's cost.
        let scalars = text.unicodeScalars
        let tail = scalars.count > cueWindow ? scalars.suffix(cueWindow) : scalars[...]
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            var word = String(current)
            while let last = word.unicodeScalars.last, ".!?\"'".unicodeScalars.contains(last) { word.unicodeScalars.removeLast() }
            while let first = word.unicodeScalars.first, ".!?\"'".unicodeScalars.contains(first) { word.unicodeScalars.removeFirst() }
            if !word.isEmpty { words.append(word) }
            current = String.UnicodeScalarView()
        }
        for scalar in tail {
            if scalar.properties.isWhitespace || ",;():|/".unicodeScalars.contains(scalar) {
                if !current.isEmpty { flush() }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { flush() }
        if words.contains(where: { caseSensitiveCues.contains($0) }) { return true }
        let lower = words.map { $0.lowercased() }
        for start in lower.indices {
            for cue in caseInsensitiveCues where start + cue.count <= lower.count {
                if lower[start..<(start + cue.count)].elementsEqual(cue) { return true }
            }
            // "Org.nr556677-8899" written without a space.
            if lower[start].hasPrefix("org.nr"), lower[start].dropFirst(6).first?.isNumber == true { return true }
        }
        return false
    }
}
