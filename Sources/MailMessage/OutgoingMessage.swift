import Foundation

/// A file to attach to an outgoing message.
public struct OutgoingAttachment: Sendable {
    public var filename: String
    /// "type/subtype", e.g. "application/pdf".
    public var contentType: String
    public var source: Source

    public enum Source: Sendable {
        case bytes([UInt8])
        /// Read in chunks while writing, never whole into memory (seminar slides can be large).
        case file(path: String)
    }

    public init(filename: String, contentType: String, source: Source) {
        self.filename = filename
        self.contentType = contentType
        self.source = source
    }
}

/// Everything needed to build one outgoing message.
public struct OutgoingMessage: Sendable {
    public var from: Address
    public var to: [Address]
    public var cc: [Address] = []
    public var replyTo: [Address] = []
    public var subject: String
    public var text: String
    public var html: String? = nil
    public var attachments: [OutgoingAttachment] = []
    /// Without angle brackets; see `MessageBuilder.makeMessageID(domain:)`.
    public var messageID: String
    public var date: Date
    /// The zone the Date header is written in; Swedish local time by default on a Swedish server.
    public var timeZone: TimeZone = .current
    /// Without angle brackets.
    public var inReplyTo: String? = nil
    /// Without angle brackets, oldest first.
    public var references: [String] = []
    /// E.g. Auto-Submitted, X-Loop. Names are validated, values sanitised and encoded.
    public var extraHeaders: [Header] = []

    public init(from: Address, to: [Address], subject: String, text: String, messageID: String, date: Date) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.messageID = messageID
        self.date = date
    }
}

/// Why a message could not be built. The text says what to fix.
public enum MessageBuildError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An address that cannot go into headers or the SMTP envelope; `field` is e.g. "To", `index` its position.
    case invalidAddress(field: String, index: Int)
    case noRecipients
    case invalidMessageID
    case invalidHeaderName(String)
    /// A header the builder writes itself (e.g. Content-Type) given in `extraHeaders`.
    case reservedHeader(String)
    case invalidContentType(String)
    /// An attachment file could not be opened or read.
    case attachmentUnreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let field, let index):
            "address \(index + 1) in \(field) is not a valid mail address (one @, no spaces, commas or angle brackets); correct it and try again"
        case .noRecipients: "the message has no recipients; add at least one To address"
        case .invalidMessageID: "the Message-ID must look like random@domain without spaces or angle brackets; use MessageBuilder.makeMessageID(domain:)"
        case .invalidHeaderName(let n): "'\(n)' is not a valid header name (printable ASCII, no colon or space)"
        case .reservedHeader(let n): "'\(n)' is set by the message builder; set the matching OutgoingMessage property instead"
        case .invalidContentType(let t): "'\(t)' is not a media type like application/pdf"
        case .attachmentUnreadable(let path, let reason): "cannot read attachment file \(path): \(reason); check that it exists and is readable"
        }
    }
}
