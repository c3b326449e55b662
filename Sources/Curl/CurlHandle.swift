import CCurl
import Foundation

/// Something libcurl can upload from: an SMTP message body or an IMAP APPEND.
///
/// A class, because libcurl pulls the bytes through a C callback that needs a stable
/// reference; implementations stream from memory or from a file so that memory does
/// not grow with the size of attachments.
public protocol UploadSource: AnyObject {
    /// Total number of bytes; libcurl announces it (`SIZE=` for SMTP, the literal length for APPEND).
    var size: Int64 { get }
    /// Fill `buffer` and return the count written; 0 at the end. Throwing aborts the transfer.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// An upload from bytes already in memory.
public final class BytesUpload: UploadSource {
    private let bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var size: Int64 { Int64(bytes.count) }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n]))
        }
        offset += n
        return n
    }
}

/// An upload streamed from a file, in the buffer sizes libcurl asks for.
public final class FileUpload: UploadSource {
    private let handle: FileHandle
    public let size: Int64
    public init(path: String) throws {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw CurlError(code: 26, message: "cannot open \(path) for upload")
        }
        handle = h
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
    deinit { try? handle.close() }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let data = try handle.read(upToCount: buffer.count), !data.isEmpty else { return 0 }
        _ = data.copyBytes(to: buffer.bindMemory(to: UInt8.self))
        return data.count
    }
}

/// One direction of a protocol line, as libcurl's debug callback reports it.
public enum TranscriptLine: Sendable, Hashable {
    /// A command we sent. Anything that could carry a credential is replaced by `(redacted)`.
    case sent(String)
    /// A response line the server sent.
    case received(String)
}

/// What one transfer asks of libcurl.
public struct CurlRequest {
    public var url: String
    public var connection: CurlConnection
    /// A command sent verbatim after the tag (IMAP) or instead of the default verb.
    public var customRequest: String?
    public var upload: (any UploadSource)?
    /// SMTP envelope sender; "" means the null sender `<>`. Validate before setting: libcurl 7.88 does not.
    public var mailFrom: String?
    public var mailRecipients: [String] = []
    /// Let an SMTP transfer succeed when some recipients are refused (per-recipient replies come from the transcript).
    public var allowFailedRecipients = false
    /// Called with each chunk the write callback receives; return false to abort the transfer.
    public var bodySink: ((UnsafeRawBufferPointer) -> Bool)?
    /// Record the protocol conversation (commands redacted) for per-recipient SMTP replies.
    public var recordTranscript = false
    /// Use a new connection for this transfer (after a protocol state we cannot trust).
    public var freshConnection = false
    /// Keep the server's certificate (PEM) from the TLS handshake, if this transfer makes one.
    public var collectServerCertificate = false
    /// The body's expected length (an IMAP message's RFC822.SIZE), so it is received into one
    /// buffer of that size instead of one grown by copying; capped, since servers can be wrong.
    public var expectedBodySize: Int?

    public init(url: String, connection: CurlConnection) {
        self.url = url
        self.connection = connection
    }
}

/// What one transfer returned.
public struct CurlResponse: Sendable {
    /// What libcurl passed to the write callback (when no `bodySink` took it).
    public var body: [UInt8] = []
    /// Every byte libcurl passed to the header callback: the server's raw response lines,
    /// which for custom IMAP commands include literal octets.
    public var headerBytes: [UInt8] = []
    public var transcript: [TranscriptLine] = []
    /// `CURLINFO_RESPONSE_CODE`: the last numeric reply (SMTP) or 0.
    public var responseCode: Int = 0
    /// The server's own certificate as PEM, when `collectServerCertificate` was set and the
    /// transfer made a TLS handshake (a reused connection makes none).
    public var serverCertificatePEM: String?

    /// The header bytes split into lines without their CRLF, decoded leniently.
    public var headerLines: [String] { CurlResponse.lines(headerBytes) }

    /// The body split into lines without their CRLF (IMAP untagged responses arrive here).
    public var bodyLines: [String] { CurlResponse.lines(body) }

    /// Splits on LF bytes. Not on Swift Characters: "\r\n" is one Character, so splitting a
    /// String on "\n" would leave CRLF-terminated protocol lines unsplit.
    static func lines(_ bytes: [UInt8]) -> [String] {
        var lines: [String] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            var end = i
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
            start = i + 1
        }
        if start < bytes.count {
            lines.append(String(decoding: bytes[start...], as: UTF8.self))
        }
        return lines
    }
}

/// The one wrapper around a libcurl easy handle.
///
/// A handle keeps its connection between `perform` calls (libcurl's connection cache), so
/// a whole poll or send batch logs in once. Each `perform` starts from `curl_easy_reset`,
/// which keeps live connections but forgets the previous request's options, so one
/// transfer's custom command can never leak into the next.
///
/// Not thread-safe: confine a handle to one task.
public final class CurlHandle: @unchecked Sendable {
    private let easy: UnsafeMutableRawPointer

    public init() throws(CurlError) {
        CurlHandle.globalInit
        guard let easy = curl_easy_init() else {
            throw CurlError(code: 2, message: "libcurl could not create a handle")
        }
        self.easy = easy
    }

    deinit { curl_easy_cleanup(easy) }

    /// libcurl's version string, for `kontakt check` and bug reports.
    public static var version: String { String(cString: kontakt_curl_version()) }

    /// `curl_global_init` must run once before any handle exists; a static let runs it exactly once.
    private static let globalInit: Void = {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public func perform(_ request: CurlRequest) throws(CurlError) -> CurlResponse {
        curl_easy_reset(easy)
        let context = TransferContext(request: request)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var recipientList: UnsafeMutablePointer<curl_slist>?
        defer { if let recipientList { curl_slist_free_all(recipientList) } }

        let result: CURLcode = withExtendedLifetime(context) {
            errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
                let ctx = Unmanaged.passUnretained(context).toOpaque()
                var code = setUp(request, context: ctx, errorBuffer: errorPointer.baseAddress!)
                if code == CURLE_OK, !request.mailRecipients.isEmpty {
                    for rcpt in request.mailRecipients {
                        recipientList = curl_slist_append(recipientList, rcpt)
                    }
                    code = kontakt_curl_setopt_slist(easy, CURLOPT_MAIL_RCPT, recipientList)
                }
                if code != CURLE_OK { return code }
                return curl_easy_perform(easy)
            }
        }

        var response = CurlResponse()
        response.body = context.body
        response.headerBytes = context.headerBytes
        response.transcript = context.transcript
        var responseCode = 0
        _ = kontakt_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &responseCode)
        response.responseCode = responseCode
        if request.collectServerCertificate { response.serverCertificatePEM = serverCertificatePEM() }

        guard result == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let summary = String(cString: curl_easy_strerror(result))
            let lastLine = response.headerLines.last(where: { !$0.isEmpty })
            if let uploadError = context.uploadError {
                throw CurlError(code: Int(result.rawValue), message: "upload failed: \(uploadError)", serverLine: lastLine)
            }
            var error = CurlError(
                code: Int(result.rawValue),
                message: detail.isEmpty || detail == summary ? summary : "\(summary): \(detail)",
                serverLine: lastLine.map(Self.redactServerLine)
            )
            error.transcript = context.transcript
            throw error
        }
        return response
    }

    /// Server lines are not secret, but some servers echo the command back; strip anything after AUTH just in case.
    static func redactServerLine(_ line: String) -> String {
        let upper = line.uppercased()
        if let range = upper.range(of: "AUTHENTICATE ") ?? upper.range(of: "AUTH ") {
            let keep = line[..<range.upperBound]
            return String(keep) + "(redacted)"
        }
        return String(line.prefix(300))
    }

    /// The first certificate of the chain libcurl saw (the server's own), from its `Cert:` field.
    private func serverCertificatePEM() -> String? {
        var info: UnsafeMutablePointer<curl_certinfo>?
        guard kontakt_curl_getinfo_certinfo(easy, &info) == CURLE_OK, let info, info.pointee.num_of_certs > 0,
              var field = info.pointee.certinfo?[0] else { return nil }
        while true {
            if let data = field.pointee.data {
                let text = String(cString: data)
                if text.hasPrefix("Cert:") { return String(text.dropFirst("Cert:".count)) }
            }
            guard let next = field.pointee.next else { return nil }
            field = next
        }
    }

    private func setUp(_ request: CurlRequest, context: UnsafeMutableRawPointer, errorBuffer: UnsafeMutablePointer<CChar>) -> CURLcode {
        let c = request.connection
        var steps: [CURLcode] = []
        steps.append(kontakt_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        steps.append(kontakt_curl_setopt_string(easy, CURLOPT_URL, request.url))
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, c.connectTimeout))
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1))
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, c.stallTimeout))
        // Long IMAP response lines are cut at half the buffer in 7.88 (KNOWN_BUGS 3.1); the
        // largest buffer pushes that limit far beyond any line we ask for.
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_BUFFERSIZE, 512 * 1024))
        if let user = c.username { steps.append(kontakt_curl_setopt_string(easy, CURLOPT_USERNAME, user)) }
        if let token = c.bearerToken {
            steps.append(kontakt_curl_setopt_string(easy, CURLOPT_XOAUTH2_BEARER, token))
            steps.append(kontakt_curl_setopt_string(easy, CURLOPT_LOGIN_OPTIONS, c.loginOptions ?? "AUTH=XOAUTH2"))
        } else if let password = c.password {
            steps.append(kontakt_curl_setopt_string(easy, CURLOPT_PASSWORD, password))
            if let options = c.loginOptions { steps.append(kontakt_curl_setopt_string(easy, CURLOPT_LOGIN_OPTIONS, options)) }
        }
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_SASL_IR, 1))
        if !c.usesImplicitTLS {
            // STARTTLS: "try" would silently send the password in clear text to a server that
            // does not offer it; only loopback may go without.
            let level = c.requireTLS || !c.isLoopback ? CURLUSESSL_ALL : CURLUSESSL_TRY
            steps.append(kontakt_curl_setopt_long(easy, CURLOPT_USE_SSL, Int(level.rawValue)))
        }
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, c.verifyCertificates ? 1 : 0))
        steps.append(kontakt_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, c.verifyCertificates ? 2 : 0))
        if let ca = c.caFile { steps.append(kontakt_curl_setopt_string(easy, CURLOPT_CAINFO, ca)) }
        if request.freshConnection { steps.append(kontakt_curl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1)) }
        if request.collectServerCertificate { steps.append(kontakt_curl_setopt_long(easy, CURLOPT_CERTINFO, 1)) }
        if let custom = request.customRequest {
            steps.append(kontakt_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, custom))
        }
        if let from = request.mailFrom { steps.append(kontakt_curl_setopt_string(easy, CURLOPT_MAIL_FROM, from)) }
        if request.allowFailedRecipients { steps.append(kontakt_curl_allow_failed_recipients(easy, 1)) }

        steps.append(kontakt_curl_setopt_datafn(easy, CURLOPT_WRITEFUNCTION, curlWrite))
        steps.append(kontakt_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        steps.append(kontakt_curl_setopt_datafn(easy, CURLOPT_HEADERFUNCTION, curlHeader))
        steps.append(kontakt_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        if let upload = request.upload {
            steps.append(kontakt_curl_setopt_long(easy, CURLOPT_UPLOAD, 1))
            steps.append(kontakt_curl_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(upload.size)))
            steps.append(kontakt_curl_setopt_datafn(easy, CURLOPT_READFUNCTION, curlRead))
            steps.append(kontakt_curl_setopt_pointer(easy, CURLOPT_READDATA, context))
        }
        if request.recordTranscript {
            steps.append(kontakt_curl_setopt_long(easy, CURLOPT_VERBOSE, 1))
            steps.append(kontakt_curl_setopt_debugfn(easy, curlDebug))
            steps.append(kontakt_curl_setopt_pointer(easy, CURLOPT_DEBUGDATA, context))
        }
        return steps.first(where: { $0 != CURLE_OK }) ?? CURLE_OK
    }
}

/// Per-transfer state the C callbacks reach through an unretained pointer; `perform`
/// keeps it alive with `withExtendedLifetime` for exactly the duration of the transfer.
private final class TransferContext {
    let bodySink: ((UnsafeRawBufferPointer) -> Bool)?
    let upload: (any UploadSource)?
    var body: [UInt8] = []
    var headerBytes: [UInt8] = []
    var transcript: [TranscriptLine] = []
    var uploadError: String?

    init(request: CurlRequest) {
        bodySink = request.bodySink
        upload = request.upload
        if let expected = request.expectedBodySize, expected > 0, request.bodySink == nil {
            body.reserveCapacity(min(expected, 32 * 1024 * 1024))
        }
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> TransferContext {
        Unmanaged<TransferContext>.fromOpaque(pointer!).takeUnretainedValue()
    }
}

private let curlWrite: kontakt_curl_data_fn = { data, size, count, userdata in
    let context = TransferContext.from(userdata)
    let length = size * count
    guard let data, length > 0 else { return 0 }
    let buffer = UnsafeRawBufferPointer(start: data, count: length)
    if let sink = context.bodySink {
        return sink(buffer) ? length : 0
    }
    context.body.append(contentsOf: buffer)
    return length
}

private let curlHeader: kontakt_curl_data_fn = { data, size, count, userdata in
    let context = TransferContext.from(userdata)
    let length = size * count
    guard let data, length > 0 else { return 0 }
    context.headerBytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private let curlRead: kontakt_curl_data_fn = { data, size, count, userdata in
    let context = TransferContext.from(userdata)
    guard let data, let upload = context.upload else { return 0 }
    do {
        return try upload.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
    } catch {
        context.uploadError = "\(error)"
        return Int(CURL_READFUNC_ABORT)
    }
}

/// Commands worth keeping in a transcript; every other line we send (AUTH and its
/// continuation lines, which carry credentials) is replaced by "(redacted)".
private let transcribedCommands = ["EHLO", "HELO", "MAIL FROM", "RCPT TO", "DATA", "QUIT", "RSET", "STARTTLS", "NOOP"]

private let curlDebug: kontakt_curl_debug_fn = { _, type, data, size, userdata in
    let context = TransferContext.from(userdata)
    guard let data, size > 0 else { return 0 }
    guard type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT else { return 0 }
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
        let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
        if type == CURLINFO_HEADER_IN {
            context.transcript.append(.received(line))
        } else {
            let upper = line.uppercased()
            let safe = transcribedCommands.contains(where: { upper.hasPrefix($0) })
            context.transcript.append(.sent(safe ? line : "(redacted)"))
        }
    }
    return 0
}
