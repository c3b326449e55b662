import Foundation
import Testing
@testable import KontaktCore

@Suite struct MailTemplateTests {
    func write(_ text: String, name: String = "prov.sv.mustache") throws -> String {
        let dir = NSTemporaryDirectory() + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func subjectLineAndPlainTextRendering() throws {
        let t = try MailTemplate(file: write("Subject: Hej {{recipient_name}}\n\nÅsa & Per <{{recipient_address}}>\n"))
        #expect(t.name == "prov" && t.language == "sv")
        let out = try t.render(["recipient_name": "Åsa", "recipient_address": "a@b.se"])
        #expect(out.subject == "Hej Åsa")
        #expect(out.body == "Åsa & Per <a@b.se>\n", "no HTML escaping in mail text")
    }

    @Test func unknownVariableIsRefusedWithFileAndLine() throws {
        let path = try write("Subject: x\n\nHej {{recipient_name}}!\n\nDin {{fraga}} är viktig.\n")
        let t = try MailTemplate(file: path)
        do {
            try t.validate(knownVariables: TemplateVariables.reply)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("\(path):5: unknown variable {{fraga}}"), "\(error.description)")
        }
    }

    @Test func syntaxErrorNamesTheLine() throws {
        let path = try write("Hej\n\n{{#recipient_name}}\nsaknar slut\n")
        #expect(throws: TemplateError.self) { try MailTemplate(file: path) }
        do { _ = try MailTemplate(file: path) } catch {
            #expect(error.line != nil)
            #expect(error.description.contains(path))
        }
    }

    @Test func everyShippedReplyTemplateUsesOnlyKnownVariables() throws {
        let library = TemplateLibrary(directory: Fixtures.repo + "/templates")
        let campaignTemplates: Set<String> = ["materialutskick", "utvarderingsenkat"]
        for name in library.names() where !campaignTemplates.contains(name) {
            for lang in ["sv", "en"] {
                let t = try library.template(named: name, language: lang)
                try t.validate(knownVariables: TemplateVariables.reply)
            }
        }
        #expect(library.names().contains("kvitto"))
    }

    @Test func templateNamesCannotEscapeTheFolder() {
        #expect(throws: TemplateError.self) { try TemplateLibrary(directory: "/tmp").template(named: "../etc/passwd") }
    }
}
