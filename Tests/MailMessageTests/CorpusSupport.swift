import Foundation
@testable import MailMessage

/// Loads a message from the conformance corpus (Tests/MailMessageTests/Corpus).
enum Corpus {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Corpus")
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func message(_ name: String) throws -> Message {
        try Message.parse(bytes(name))
    }

    static func allNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eml") }.sorted()
    }
}
