import Foundation
import MailMessage

/// Something wrong with a campaign's input, with the file and line to fix.
public struct CampaignProblem: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}

/// A campaign that cannot be created: every problem found, not just the first, so the director
/// fixes the list once. Nothing has been stored.
public struct CampaignInvalid: Error, Sendable, CustomStringConvertible {
    public var problems: [CampaignProblem]
    public var description: String {
        "the campaign was not created (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
            + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}

/// One manager from the list: who, on which line, and the values for the template.
public struct CampaignRecipient: Sendable, Equatable {
    public var line: Int
    public var email: String
    public var name: String
    /// The other columns, by their (lower-cased) header names.
    public var variables: [String: String]
}

/// The recipient list of a campaign, read and checked row by row.
///
/// Rules: the header names the columns (`email` and `name` required; names are matched
/// without regard to case or surrounding spaces and become template variables); every row
/// needs a valid envelope address (the same gate the sender uses), a name, and no more fields
/// than the header (Excel's trailing empty separators are forgiven); an address may appear
/// once, compared without regard to case. Blank rows are skipped.
public struct RecipientList: Sendable {
    public var file: String
    public var columns: [String]
    public var recipients: [CampaignRecipient]
    public var problems: [CampaignProblem]
    public var warnings: [String]

    public static func read(file: String) -> RecipientList {
        guard let data = FileManager.default.contents(atPath: file) else {
            return RecipientList(file: file, columns: [], recipients: [], warnings: [],
                                 problems: [CampaignProblem(file: file, line: nil, message: "cannot read the recipient list (missing, or no permission)")])
        }
        do {
            return parse(try CSVTable.parse(data), file: file)
        } catch {
            return RecipientList(file: file, columns: [], recipients: [], warnings: [],
                                 problems: [CampaignProblem(file: file, line: error.line, message: error.message)])
        }
    }

    init(file: String, columns: [String], recipients: [CampaignRecipient], warnings: [String], problems: [CampaignProblem]) {
        self.file = file
        self.columns = columns
        self.recipients = recipients
        self.warnings = warnings
        self.problems = problems
    }

    static func parse(_ table: CSVTable, file: String) -> RecipientList {
        var problems: [CampaignProblem] = []
        func problem(_ line: Int?, _ message: String) { problems.append(CampaignProblem(file: file, line: line, message: message)) }

        let names = table.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        // Columns without a name are allowed only when empty throughout (Excel's stray ";;").
        var used: [Int] = []
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if name.isEmpty {
                if table.records.contains(where: { index < $0.fields.count && !$0.fields[index].trimmingCharacters(in: .whitespaces).isEmpty }) {
                    problem(1, "column \(index + 1) has values but no name in the header")
                }
                continue
            }
            if let earlier = seen[name] {
                problem(1, "column \"\(name)\" appears twice (columns \(earlier + 1) and \(index + 1))")
                continue
            }
            if !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                problem(1, "column \"\(name)\" cannot be a template variable; use letters, digits and _ (e.g. \(name.map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined()))")
            }
            seen[name] = index
            used.append(index)
        }
        for required in ["email", "name"] where seen[required] == nil {
            problem(1, "the header has no \"\(required)\" column (found: \(names.filter { !$0.isEmpty }.joined(separator: ", ")); separator \"\(table.separator == "\t" ? "tab" : String(table.separator))\")")
        }
        guard let emailColumn = seen["email"], let nameColumn = seen["name"] else {
            return RecipientList(file: file, columns: names, recipients: [], warnings: table.warnings, problems: problems)
        }

        var recipients: [CampaignRecipient] = []
        var firstLine: [String: Int] = [:]
        for record in table.records {
            let fields = record.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if fields.allSatisfy(\.isEmpty) { continue }
            if fields.count > names.count, fields[names.count...].contains(where: { !$0.isEmpty }) {
                problem(record.line, "\(fields.count) fields, but the header names \(names.count) columns (a separator inside a value that is not in quotes?)")
                continue
            }
            func value(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
            let email = value(emailColumn)
            let name = value(nameColumn)
            var ok = true
            if email.isEmpty {
                problem(record.line, "the email column is empty"); ok = false
            } else if !Address(address: email).isValidForEnvelope || !(email.split(separator: "@").last?.contains(".") ?? false) {
                problem(record.line, "\"\(email)\" is not a valid e-mail address"); ok = false
            } else if let earlier = firstLine[email.lowercased()] {
                problem(record.line, "\(email) is already on line \(earlier)"); ok = false
            } else {
                firstLine[email.lowercased()] = record.line
            }
            if name.isEmpty { problem(record.line, "the name column is empty (the greeting would read \"Hej !\")"); ok = false }
            guard ok else { continue }
            var variables: [String: String] = [:]
            for index in used where index != emailColumn && index != nameColumn { variables[names[index]] = value(index) }
            recipients.append(CampaignRecipient(line: record.line, email: email, name: name, variables: variables))
        }
        if recipients.isEmpty && problems.isEmpty { problem(nil, "the list has a header but no recipients") }
        return RecipientList(file: file, columns: used.map { names[$0] }, recipients: recipients, warnings: table.warnings, problems: problems)
    }
}
