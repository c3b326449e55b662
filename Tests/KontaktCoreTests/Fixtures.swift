import Foundation
@testable import KontaktCore

enum Fixtures {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func config(_ extra: String = "", acknowledge: Bool = false) throws -> KontaktConfig {
        try KontaktConfig.parse("""
            [imap]
            url = "imaps://imap.example.se/INBOX"
            username = "kontakt@kommun.example.se"
            [identity]
            address = "kontakt@kommun.example.se"
            name = "Kommundirektören"
            [routing]
            training_dir = "\(repo)/etc/training"
            internal_domains = ["kommun.example.se"]
            [acknowledgement]
            enabled = \(acknowledge)
            [templates]
            dir = "\(repo)/templates"
            \(extra)
            """, file: repo + "/kontakt.toml")
    }

    static func message(from: String = "anna@example.se", name: String = "Anna Ek", subject: String, body: String,
                        messageID: String = UUID().uuidString + "@example.se", inReplyTo: String? = nil,
                        headers: [String] = []) -> [UInt8] {
        var lines = ["From: \(name) <\(from)>", "To: kontakt@kommun.example.se", "Subject: \(subject)",
                     "Date: Mon, 23 Nov 2026 10:00:00 +0100", "Message-ID: <\(messageID)>", "MIME-Version: 1.0",
                     "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        if let inReplyTo { lines += ["In-Reply-To: <\(inReplyTo)>", "References: <\(inReplyTo)>"] }
        lines += headers
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n").utf8)
    }
}
