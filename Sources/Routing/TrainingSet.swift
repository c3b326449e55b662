/// One labelled text: either shipped with the project (`etc/training/*.tsv`) or a
/// correction the director made, which is learnt at once.
public struct TrainingExample: Sendable, Hashable {
    public var text: String
    public var label: String

    public init(text: String, label: String) {
        self.text = text
        self.label = label
    }
}

/// Reader for the training file format.
///
/// One example per line: `label<TAB>text`. Lines starting with `#` and blank lines are
/// ignored. A text may contain `\n` (backslash, n) for a line break and `\t` for a tab,
/// so a whole short mail fits on one line; `\\` is a literal backslash. Lines without a tab
/// or with an empty label or text are skipped rather than failing the whole file: a
/// hand-edited file with one bad line should still train.
public enum TrainingSet {
    public static func parse(tsv: String) -> [TrainingExample] {
        var examples: [TrainingExample] = []
        for rawLine in tsv.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let tab = line.firstIndex(of: "\t") else { continue }
            let label = line[..<tab].trimmingSpaces()
            let text = unescape(String(line[line.index(after: tab)...])).trimmingSpaces()
            guard !label.isEmpty, !text.isEmpty else { continue }
            examples.append(TrainingExample(text: text, label: label))
        }
        return examples
    }

    /// Writes examples in the same format, escaping line breaks, so corrections can be exported.
    public static func serialize(_ examples: [TrainingExample]) -> String {
        examples.map { "\($0.label)\t\(escape($0.text))" }.joined(separator: "\n") + "\n"
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else { result.append(character); continue }
            switch iterator.next() {
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "\\": result.append("\\")
            case let other?: result.append("\\"); result.append(other)
            case nil: result.append("\\")
            }
        }
        return result
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\n", "\r\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result
    }
}

extension StringProtocol {
    /// Trims spaces, tabs and line breaks without Foundation.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
