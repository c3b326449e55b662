import Foundation
import Mustache

/// A Mustache template for a mail Kontakt sends: an optional `Subject:` line, a blank
/// line, then the body. Files live in `templates/` as `NAME.LANG.mustache` (`sv` first,
/// `en` for inquiries written in English).
///
/// Templates are plain text: escaping is switched off (HTML escaping would turn "Åsa &
/// Per" into "Åsa &amp; Per" in a resident's mail). Every variable is checked against the
/// names the sender will fill in before anything is queued: Mustache itself renders an
/// unknown name as nothing, which would send "Hej ," to 400 managers.
public struct MailTemplate: Sendable {
    public var name: String
    public var language: String
    public var file: String
    public var subject: String?
    public var body: String
    /// The first line of the body within the file (after the Subject line).
    let bodyLine: Int

    /// Reads and syntax-checks a template file.
    public init(file: String) throws(TemplateError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TemplateError(file: file, line: nil, message: "cannot read the template")
        }
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        let base = (file as NSString).lastPathComponent.replacingOccurrences(of: ".mustache", with: "")
        let parts = base.split(separator: ".")
        name = String(parts.first ?? "")
        language = parts.count > 1 ? String(parts[1]) : "sv"
        self.file = file
        if text.hasPrefix("Subject:"), let newline = text.firstIndex(of: "\n") {
            subject = String(text[text.index(text.startIndex, offsetBy: 8)..<newline]).trimmingCharacters(in: .whitespaces)
            var rest = text[text.index(after: newline)...]
            var line = 2
            if rest.hasPrefix("\n") { rest = rest.dropFirst(); line = 3 }
            body = String(rest)
            bodyLine = line
        } else {
            subject = nil
            body = text
            bodyLine = 1
        }
        _ = try compile(body, firstLine: bodyLine)
        if let subject { _ = try compile(subject, firstLine: 1) }
    }

    private func compile(_ text: String, firstLine: Int) throws(TemplateError) -> MustacheTemplate {
        do {
            // No newline after the pragma, so line numbers stay those of the file.
            return try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateError(file: file, line: firstLine + error.context.lineNumber - 1,
                                message: "Mustache syntax error: \(error.error)")
        } catch {
            throw TemplateError(file: file, line: nil, message: "Mustache syntax error: \(error)")
        }
    }

    /// Variable names used, with the file line of each use.
    public var variables: [(name: String, line: Int)] {
        var found = MailTemplate.tags(in: body, firstLine: bodyLine)
        if let subject { found = MailTemplate.tags(in: subject, firstLine: 1) + found }
        return found
    }

    /// Refuses a template that names a variable the sender will not fill in.
    public func validate(knownVariables: Set<String>) throws(TemplateError) {
        for (name, line) in variables where !knownVariables.contains(name) {
            let known = knownVariables.sorted().joined(separator: ", ")
            throw TemplateError(file: file, line: line, message: "unknown variable {{\(name)}}; known: \(known)")
        }
    }

    public func render(_ values: [String: Any]) throws(TemplateError) -> (subject: String?, body: String) {
        let bodyTemplate = try compile(body, firstLine: bodyLine)
        let renderedSubject = try subject.map { s throws(TemplateError) in
            try compile(s, firstLine: 1).render(values).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (renderedSubject, bodyTemplate.render(values))
    }

    /// Names in `{{name}}`, `{{{name}}}`, `{{&name}}`, `{{#name}}`, `{{^name}}` tags (dotted names
    /// give their first part; `.` is the current item of a list and needs no declaration).
    static func tags(in text: String, firstLine: Int) -> [(name: String, line: Int)] {
        var result: [(String, Int)] = []
        var line = firstLine
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\n" { line += 1; index = text.index(after: index); continue }
            guard text[index...].hasPrefix("{{") else { index = text.index(after: index); continue }
            var start = text.index(index, offsetBy: 2)
            guard let close = text[start...].range(of: "}}") else { break }
            var inner = text[start..<close.lowerBound]
            if inner.hasPrefix("{") { inner = inner.dropFirst() }
            let sigil = inner.first
            if let sigil, "#^&".contains(sigil) { inner = inner.dropFirst() }
            if let sigil, "!/>%=<$".contains(sigil) {
                // comments, section ends, partials, pragmas: no variable
            } else {
                let name = inner.trimmingCharacters(in: .whitespaces)
                let head = name.split(separator: ".").first.map(String.init) ?? name
                if !name.isEmpty, name != "." { result.append((head, line)) }
            }
            line += text[index..<close.upperBound].filter { $0 == "\n" }.count
            start = close.upperBound
            index = start
        }
        return result
    }
}

/// A template that cannot be used, with its file and line.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String
    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}

/// The templates folder: finds `NAME.LANG.mustache`, falling back to Swedish.
public struct TemplateLibrary: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func template(named name: String, language: String = "sv") throws(TemplateError) -> MailTemplate {
        guard !name.contains("/"), !name.hasPrefix(".") else {
            throw TemplateError(file: name, line: nil, message: "a template name is a plain name such as \"svar\"")
        }
        for lang in [language, "sv"] {
            let path = (directory as NSString).appendingPathComponent("\(name).\(lang).mustache")
            if FileManager.default.fileExists(atPath: path) { return try MailTemplate(file: path) }
        }
        throw TemplateError(file: (directory as NSString).appendingPathComponent("\(name).sv.mustache"), line: nil,
                            message: "no such template; available: \(names().joined(separator: ", "))")
    }

    public func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Array(Set(files.filter { $0.hasSuffix(".mustache") }.compactMap { $0.split(separator: ".").first.map(String.init) })).sorted()
    }
}
