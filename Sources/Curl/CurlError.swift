import CCurl
import Foundation

/// A failed libcurl transfer, in terms a person can act on.
///
/// Carries curl's own code and text plus the last line the server said, so that
/// "authentication failed" and "certificate not trusted" read differently. It never
/// carries a password: libcurl's error text does not contain credentials, and the
/// server line is taken from what the *server* sent, never from what we sent.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// libcurl's `CURLcode`.
    public var code: Int
    /// `curl_easy_strerror` plus the detail from `CURLOPT_ERRORBUFFER`.
    public var message: String
    /// The last response line the server sent, if any (for example `a003 NO [AUTHENTICATIONFAILED] ...`).
    public var serverLine: String?
    /// The redacted protocol conversation, when the request recorded one.
    public var transcript: [TranscriptLine] = []

    public init(code: Int, message: String, serverLine: String? = nil) {
        self.code = code
        self.message = message
        self.serverLine = serverLine
    }

    /// What kind of trouble this is, so callers decide between "try again later" and "a human must fix this".
    public var kind: Kind {
        switch code {
        case 6, 7, 28, 55, 56, 52, 16: return .unreachable  // resolve, connect, timeout, send/recv, empty reply, http2
        case 35, 58, 59, 64, 66, 80, 83, 90, 91, 98: return .tls
        case 60: return .certificate
        case 67: return .authentication
        case 78: return .notFound
        case 21: return .commandRefused
        case 3: return .badURL
        case 25, 26: return .upload
        default: return .other
        }
    }

    public enum Kind: String, Sendable {
        case unreachable, tls, certificate, authentication, notFound, commandRefused, badURL, upload, other
    }

    /// True when running again later may succeed without anyone changing anything.
    public var isTemporary: Bool {
        switch kind {
        case .unreachable, .tls: return true
        default: return false
        }
    }

    public var description: String {
        var text = "\(message) (curl \(code))"
        if let serverLine, !serverLine.isEmpty { text += "; server said: \(CurlError.readable(serverLine))" }
        return text
    }

    /// The server's line as a person can read it: a SASL error challenge — XOAUTH2 and
    /// OAUTHBEARER answer a refused token with base64 JSON after `+ ` (IMAP) or `334 ` (SMTP) —
    /// is shown decoded, e.g. `+ {"status":"401","schemes":"bearer","scope":"mail"}`.
    static func readable(_ line: String) -> String {
        for prefix in ["+ ", "334 "] where line.hasPrefix(prefix) {
            guard let data = Data(base64Encoded: String(line.dropFirst(prefix.count))),
                  let text = String(data: data, encoding: .utf8), text.hasPrefix("{"),
                  // A hostile server's control characters (C0, DEL, C1 such as CSI) stay encoded.
                  !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { continue }
            return prefix + text
        }
        return line
    }
}
