/// One node of a message's MIME tree.
public struct MIMEPart: Sendable {
    public var headers: [Header]
    public var mediaType: MediaType
    /// The body with its transfer encoding removed (base64/quoted-printable decoded). For multiparts,
    /// empty; for `message/rfc822`, the encapsulated message's bytes. A file part parsed with
    /// `ParseOptions.defersFileBodies` is decoded anew on every read: read it once.
    public var body: [UInt8] {
        get { storage.bytes }
        set { storage = .decoded(newValue) }
    }
    var storage: BodyStorage
    public var parts: [MIMEPart]
    /// File name from `Content-Disposition: ...; filename=` or, failing that, `Content-Type: ...; name=`.
    public var filename: String?
    /// Lower-cased disposition ("inline", "attachment"), nil when absent.
    public var disposition: String?

    /// Boxed because `Message` contains a `MIMEPart`: a struct cannot contain itself directly.
    private var encapsulatedBox: MessageBox?

    /// The message inside a `message/rfc822` (or `message/global`) part, e.g. a forwarded message or
    /// the returned original in a bounce.
    public var encapsulated: Message? {
        get { encapsulatedBox?.message }
        set { encapsulatedBox = newValue.map(MessageBox.init) }
    }

    public init(headers: [Header], mediaType: MediaType, body: [UInt8], parts: [MIMEPart] = [],
                encapsulated: Message? = nil, filename: String? = nil, disposition: String? = nil) {
        self.headers = headers
        self.mediaType = mediaType
        self.storage = .decoded(body)
        self.parts = parts
        self.filename = filename
        self.disposition = disposition
        self.encapsulatedBox = encapsulated.map(MessageBox.init)
    }

    /// First header with this name (case-insensitive), decoded.
    public func header(_ name: String) -> String? { headers.first(named: name)?.value }

    public var isAttachmentDisposition: Bool { disposition == "attachment" }

    /// For `message/delivery-status` parts: the per-recipient field groups (RFC 3464), e.g.
    /// `Final-Recipient`, `Action`, `Status`, `Diagnostic-Code`. Empty for other parts.
    public var deliveryStatusRecipients: [[Header]] {
        guard mediaType.type == "message", mediaType.subtype == "delivery-status" else { return [] }
        var groups: [[Header]] = []
        var i = 0
        var defects: [Defect] = []
        var first = true
        while i < body.count && groups.count < 1000 {
            let r = HeaderParser.parse(body, range: i..<body.count, maxHeaders: 100, defects: &defects)
            if r.bodyStart <= i { break }
            if !r.headers.isEmpty {
                if first { first = false }       // per-message fields (Reporting-MTA, Arrival-Date)
                else { groups.append(r.headers) }
            }
            i = r.bodyStart
        }
        return groups
    }
}

final class MessageBox: Sendable {
    let message: Message
    init(_ message: Message) { self.message = message }
}

/// A part's body: decoded, or still encoded inside the message's bytes.
enum BodyStorage: Sendable {
    case decoded([UInt8])
    /// Base64 (`isBase64`) or identity-encoded bytes, and the length they decode to.
    case deferred(encoded: ArraySlice<UInt8>, isBase64: Bool, count: Int)

    var bytes: [UInt8] {
        switch self {
        case .decoded(let bytes): bytes
        case .deferred(let encoded, let isBase64, _):
            isBase64 ? TransferEncoding.decodeBase64(encoded).bytes : Array(encoded)
        }
    }

    var count: Int {
        switch self {
        case .decoded(let bytes): bytes.count
        case .deferred(_, _, let count): count
        }
    }
}

/// A file carried by a message.
public struct Attachment: Sendable, Hashable {
    public var filename: String?
    /// "type/subtype", lower case.
    public var contentType: String
    /// The file's bytes. Decoded on every read when the message was parsed with
    /// `ParseOptions.defersFileBodies`: read it once.
    public var data: [UInt8] {
        get { storage.bytes }
        set { storage = .decoded(newValue) }
    }
    var storage: BodyStorage

    public init(filename: String?, contentType: String, data: [UInt8]) {
        self.init(filename: filename, contentType: contentType, storage: .decoded(data))
    }

    init(filename: String?, contentType: String, storage: BodyStorage) {
        self.filename = filename
        self.contentType = contentType
        self.storage = storage
    }

    /// The length of `data`, known without decoding it.
    public var size: Int { storage.count }

    /// SHA-256 of the data, lower-case hex: what `inspect` and `export` show to identify a file.
    public var sha256: String { Digest.sha256Hex(data) }

    public static func == (a: Attachment, b: Attachment) -> Bool {
        a.filename == b.filename && a.contentType == b.contentType && a.size == b.size && a.data == b.data
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(filename)
        hasher.combine(contentType)
        hasher.combine(data)
    }
}
