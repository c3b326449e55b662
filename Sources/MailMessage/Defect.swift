/// A problem found while parsing a message.
///
/// Real mail is often broken, and refusing it would lose a resident's question. So the parser is
/// lenient: it repairs what it can, carries on, and records each problem here (as Python's `email`
/// package does with its defect classes). Tests run in strict mode, where the first defect throws.
public enum Defect: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A line in the header block had no colon; the body was assumed to start there.
    case missingHeaderBodySeparator
    /// The header block started with a folded continuation line; it was dropped.
    case firstLineIsContinuation
    /// A header name contained characters other than printable ASCII; the line was dropped.
    case invalidHeaderName(String)
    /// More headers than `ParseOptions.maxHeaders`; the rest were dropped.
    case tooManyHeaders(limit: Int)
    /// Raw 8-bit header bytes that were not valid UTF-8; decoded as Windows-1252.
    case undeclared8BitHeader(name: String)
    /// An RFC 2047 encoded word could not be decoded; it was kept as literal text.
    case invalidEncodedWord(String)
    /// Multipart or `message/rfc822` nesting deeper than `ParseOptions.maxDepth`; the part was kept opaque.
    case nestingTooDeep(limit: Int)
    /// More MIME parts than `ParseOptions.maxParts`; the rest were dropped.
    case tooManyParts(limit: Int)
    /// A multipart part had no boundary parameter; it was treated as `text/plain`.
    case missingBoundary
    /// A multipart body never contained its boundary; it was treated as `text/plain`.
    case startBoundaryNotFound
    /// A multipart body ended without its closing boundary (often a truncated message).
    case closeBoundaryNotFound
    /// Base64 data with characters outside the alphabet or a truncated final group.
    case invalidBase64
    /// Quoted-printable data with an `=` not followed by two hex digits.
    case invalidQuotedPrintable
    /// A transfer encoding spelled in a non-standard way that was still recognised, e.g. `8-bit`.
    case misspelledTransferEncoding(String)
    /// A transfer encoding that is not known; the body was kept as is.
    case unknownTransferEncoding(String)
    /// A charset that is not known; decoded as UTF-8 when valid, else Windows-1252.
    case unknownCharset(String)
    /// Text that was not valid in its declared charset (e.g. `utf-8` with Latin-1 bytes); Windows-1252 was used.
    case invalidCharsetData(String)
    /// A `Content-Type` that was not `type/subtype`; `text/plain` was assumed.
    case invalidContentType(String)
    /// A MIME parameter that could not be decoded per RFC 2231.
    case invalidParameter(String)
    /// A `Date` header that could not be understood.
    case invalidDate(String)
    /// NUL bytes in the message.
    case nulBytes
    /// A `winmail.dat` (TNEF) whose files could not be read; it is kept as it is.
    case unreadableTNEF(String)

    public var description: String {
        switch self {
        case .missingHeaderBodySeparator: "header line without colon; body assumed to start there"
        case .firstLineIsContinuation: "header block starts with a continuation line"
        case .invalidHeaderName(let n): "invalid header name: \(n)"
        case .tooManyHeaders(let limit): "more than \(limit) headers; rest dropped"
        case .undeclared8BitHeader(let n): "8-bit bytes in header \(n) that are not UTF-8; read as Windows-1252"
        case .invalidEncodedWord(let w): "invalid RFC 2047 encoded word: \(w)"
        case .nestingTooDeep(let limit): "MIME nesting deeper than \(limit); inner parts not parsed"
        case .tooManyParts(let limit): "more than \(limit) MIME parts; rest dropped"
        case .missingBoundary: "multipart without boundary parameter"
        case .startBoundaryNotFound: "multipart boundary never found"
        case .closeBoundaryNotFound: "multipart closing boundary missing"
        case .invalidBase64: "invalid or truncated base64"
        case .invalidQuotedPrintable: "invalid quoted-printable escape"
        case .misspelledTransferEncoding(let e): "non-standard transfer encoding spelling: \(e)"
        case .unknownTransferEncoding(let e): "unknown transfer encoding: \(e)"
        case .unknownCharset(let c): "unknown charset: \(c)"
        case .invalidCharsetData(let c): "text not valid in declared charset \(c); read as Windows-1252"
        case .invalidContentType(let t): "invalid Content-Type: \(t)"
        case .invalidParameter(let p): "invalid MIME parameter: \(p)"
        case .invalidDate(let d): "unparseable Date: \(d)"
        case .nulBytes: "NUL bytes in message"
        case .unreadableTNEF(let reason): "winmail.dat (TNEF) not unpacked: \(reason)"
        }
    }
}

/// Limits and strictness for `Message.parse`.
public struct ParseOptions: Sendable {
    /// Repairs and records defects; never throws.
    public static let lenient = ParseOptions(strict: false)
    /// Throws `MessageParseError` on the first defect; for tests and corpus checks.
    public static let strict = ParseOptions(strict: true)

    /// Whether the first defect throws.
    public var strict: Bool
    /// Maximum nesting of multiparts and encapsulated messages. Bounds recursion on hostile input.
    public var maxDepth: Int = 32
    /// Maximum header fields per header block. Bounds memory on a "million headers" message.
    public var maxHeaders: Int = 10_000
    /// Maximum MIME parts in the whole message.
    public var maxParts: Int = 10_000
    /// Leaves the bodies of file parts (neither text, message nor multipart) base64- or
    /// identity-encoded until `MIMEPart.body` or `Attachment.data` is read; their sizes and
    /// defects are still worked out at parse time. For callers that store a file's size but
    /// not its bytes: the poller, which would otherwise decode (and throw away) most of what
    /// it fetches.
    public var defersFileBodies: Bool = false

    public init(strict: Bool = false, maxDepth: Int = 32, maxHeaders: Int = 10_000, maxParts: Int = 10_000,
                defersFileBodies: Bool = false) {
        self.strict = strict
        self.defersFileBodies = defersFileBodies
        self.maxDepth = maxDepth
        self.maxHeaders = maxHeaders
        self.maxParts = maxParts
    }
}

/// Thrown by `Message.parse` in strict mode only.
public struct MessageParseError: Error, Sendable, CustomStringConvertible {
    public var defect: Defect
    public init(defect: Defect) { self.defect = defect }
    public var description: String {
        "message is malformed: \(defect) (parse with ParseOptions.lenient to repair and continue)"
    }
}
