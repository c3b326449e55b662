/// The JSON shape printed by `kontakt inspect --json`: what a message says, without the raw bytes.
public struct MessageSummary: Codable, Sendable, Equatable {
    public struct Mailbox: Codable, Sendable, Equatable {
        public var name: String?
        public var address: String
    }

    public struct AttachmentInfo: Codable, Sendable, Equatable {
        public var filename: String?
        public var contentType: String
        public var size: Int
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case filename
            case contentType = "content_type"
            case size, sha256
        }
    }

    public var subject: String?
    public var from: [Mailbox]
    public var to: [Mailbox]
    public var cc: [Mailbox]
    /// ISO 8601 in UTC, e.g. "2026-11-29T18:20:00Z".
    public var date: String?
    public var messageID: String?
    public var inReplyTo: [String]
    public var references: [String]
    public var text: String
    public var newText: String
    public var attachments: [AttachmentInfo]
    public var defects: [String]

    enum CodingKeys: String, CodingKey {
        case subject, from, to, cc, date
        case messageID = "message_id"
        case inReplyTo = "in_reply_to"
        case references, text
        case newText = "new_text"
        case attachments, defects
    }
}

extension Message {
    public var summary: MessageSummary {
        func boxes(_ list: [Address]) -> [MessageSummary.Mailbox] { list.map { .init(name: $0.name, address: $0.address) } }
        return MessageSummary(
            subject: subject, from: boxes(from), to: boxes(to), cc: boxes(cc),
            date: date.map(DateParser.iso8601), messageID: messageID, inReplyTo: inReplyTo, references: references,
            text: text, newText: newText,
            attachments: attachments.map { .init(filename: $0.filename, contentType: $0.contentType, size: $0.size, sha256: $0.sha256) },
            defects: defects.map(\.description))
    }
}
