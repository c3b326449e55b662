/// What robot detection needs to know about one inbound message, filled in by the core
/// from the parsed message. Plain values keep this module free of the MIME parser.
public struct RobotEvidence: Sendable {
    /// All headers in order, values decoded (RFC 2047) and unfolded.
    public var headers: [(name: String, value: String)]
    public var subject: String
    /// `subject` as `SubjectNormalizer.normalize` leaves it: worked out once per message, since
    /// robot detection, the classifier and threading all read it.
    public var normalizedSubject: String
    public var fromAddress: String
    /// The envelope sender from `Return-Path`; `""` for the null sender `<>` that bounces use.
    public var returnPath: String?
    /// The human-readable text (the text/plain part, or the text of the first part of a report).
    public var text: String
    /// The full Content-Type header value of the message.
    public var contentType: String
    /// Body of the `message/delivery-status` part of a DSN, if any.
    public var deliveryStatus: String?
    /// Headers of the returned original (`text/rfc822-headers` or `message/rfc822`), if any.
    public var returnedHeaders: String?
    /// Our own `X-Loop` value; seeing it come back means a loop.
    public var ownLoopID: String

    public init(headers: [(name: String, value: String)] = [], subject: String = "", normalizedSubject: String? = nil,
                fromAddress: String = "",
                returnPath: String? = nil, text: String = "", contentType: String = "text/plain",
                deliveryStatus: String? = nil, returnedHeaders: String? = nil, ownLoopID: String = "") {
        self.headers = headers
        self.subject = subject
        self.normalizedSubject = normalizedSubject ?? SubjectNormalizer.normalize(subject)
        self.fromAddress = fromAddress
        self.returnPath = returnPath
        self.text = text
        self.contentType = contentType
        self.deliveryStatus = deliveryStatus
        self.returnedHeaders = returnedHeaders
        self.ownLoopID = ownLoopID
    }

    /// Values of every header with this name, case-insensitively.
    public func values(of name: String) -> [String] {
        let lower = name.lowercased()
        return headers.filter { $0.name.lowercased() == lower }.map(\.value)
    }

    public func value(of name: String) -> String? { values(of: name).first }
}

/// One recipient a delivery report says something about.
public struct BouncedRecipient: Sendable, Hashable, Codable {
    public var address: String
    /// `failed`, `delayed`, `delivered`, `relayed` or `expanded` (RFC 3464).
    public var action: String?
    /// Enhanced status code such as `5.1.1` (RFC 3463).
    public var status: String?
    /// The remote server's words, e.g. `smtp; 550 5.1.1 User unknown`.
    public var diagnostic: String?

    public init(address: String, action: String? = nil, status: String? = nil, diagnostic: String? = nil) {
        self.address = address
        self.action = action
        self.status = status
        self.diagnostic = diagnostic
    }
}

public struct BounceReport: Sendable, Hashable {
    public var recipients: [BouncedRecipient]
    /// Message-ID of the mail that bounced, without angle brackets, when the report returned its headers.
    public var originalMessageID: String?
    /// True when delivery will not be retried (a 5.x.x status or `Action: failed`); false for delay warnings.
    public var isPermanent: Bool

    public init(recipients: [BouncedRecipient], originalMessageID: String? = nil, isPermanent: Bool) {
        self.recipients = recipients
        self.originalMessageID = originalMessageID
        self.isPermanent = isPermanent
    }
}

/// What kind of sender wrote a message: a person, or a machine of some kind.
public enum RobotVerdict: Sendable, Hashable {
    case human
    case autoReply(reason: String)
    case bounce(BounceReport)
    case mailingList(id: String)
    case loop(reason: String)

    public var isHuman: Bool { self == .human }
}
