import Foundation
import Routing

/// Paths into the repository, found from this source file so tests need no bundle resources.
enum Fixtures {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // RoutingTests
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()

    static let heldOutDirectory = repositoryRoot.appendingPathComponent("Tests/RoutingTests/HeldOut")
    static let trainingDirectory = repositoryRoot.appendingPathComponent("etc/training")

    /// `count` random strings of up to `maxLength` scalars drawn from `alphabet`: hostile input
    /// for checking a fast path against the plain code it replaced.
    static func randomTexts(_ count: Int, from alphabet: String, maxLength: Int) -> [String] {
        var generator = SystemRandomNumberGenerator()
        let scalars = Array(alphabet.unicodeScalars)
        return (0..<count).map { _ in
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...maxLength, using: &generator) { text.append(scalars.randomElement(using: &generator)!) }
            return String(text)
        }
    }

    /// Every example in etc/training/*.tsv.
    static func trainingExamples() throws -> [TrainingExample] {
        let files = try FileManager.default.contentsOfDirectory(at: trainingDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "tsv" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.flatMap { TrainingSet.parse(tsv: try String(contentsOf: $0, encoding: .utf8)) }
    }

    struct HeldOutMail {
        var file: String
        var label: String
        var subject: String
        var body: String
    }

    /// The held-out mails with their labels. Subject and body come from splitting the .eml
    /// at the first blank line, which is enough for these simple single-part files.
    static func heldOut() throws -> [HeldOutMail] {
        let labels = try String(contentsOf: heldOutDirectory.appendingPathComponent("labels.tsv"), encoding: .utf8)
        return try labels.split(separator: "\n").compactMap { line -> HeldOutMail? in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: "\t")
            guard fields.count == 2 else { return nil }
            let raw = try String(contentsOf: heldOutDirectory.appendingPathComponent(String(fields[0])), encoding: .utf8)
                .replacingOccurrences(of: "\r\n", with: "\n")
            let parts = raw.components(separatedBy: "\n\n")
            let headers = parts[0]
            let body = parts.dropFirst().joined(separator: "\n\n")
            let subject = headers.split(separator: "\n")
                .first { $0.lowercased().hasPrefix("subject:") }
                .map { String($0.dropFirst("subject:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
            return HeldOutMail(file: String(fields[0]), label: String(fields[1]), subject: subject, body: body)
        }
    }
}
