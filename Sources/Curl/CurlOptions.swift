/// Connection settings shared by the IMAP and SMTP clients.
///
/// One value describes how to reach a server safely; the clients turn it into libcurl
/// options in one place (`CurlTransfer.apply(_:)`), so TLS and timeout policy cannot drift
/// between protocols.
public struct CurlConnection: Sendable, Hashable {
    /// Base URL, for example `imaps://imap.example.se` or `smtp://smtp.example.se:587`.
    public var url: String
    public var username: String?
    /// The secret, kept in memory only; never printed (see `description`).
    public var password: String?
    /// An OAuth 2 bearer token (XOAUTH2); when set, the password is not used.
    public var bearerToken: String?
    /// An extra CA bundle to trust (for example a throwaway test CA).
    public var caFile: String?
    /// Certificate and host name verification. Turning it off is a loud, explicit choice.
    public var verifyCertificates: Bool = true
    /// Require TLS via STARTTLS on plain-scheme URLs. Only loopback hosts may skip it.
    public var requireTLS: Bool = true
    public var connectTimeout: Int = 15
    /// Abort a transfer that moves fewer than one byte per second for this many seconds,
    /// so a dead server cannot hang cron while a slow large transfer still completes.
    public var stallTimeout: Int = 60
    /// Restrict SASL to a mechanism, e.g. `AUTH=PLAIN`; nil lets libcurl choose.
    public var loginOptions: String?

    public init(url: String, username: String? = nil, password: String? = nil) {
        self.url = url
        self.username = username
        self.password = password
    }

    /// The host part of `url`, lowercased, without brackets.
    public var host: String {
        guard let schemeEnd = url.range(of: "://") else { return "" }
        var rest = url[schemeEnd.upperBound...]
        if let at = rest.firstIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            let end = rest.firstIndex(of: "]") ?? rest.endIndex
            return String(rest[rest.index(after: rest.startIndex)..<end]).lowercased()
        }
        let end = rest.firstIndex(where: { $0 == ":" || $0 == "/" }) ?? rest.endIndex
        return String(rest[..<end]).lowercased()
    }

    public var scheme: String {
        guard let schemeEnd = url.range(of: "://") else { return "" }
        return url[..<schemeEnd.lowerBound].lowercased()
    }

    public var isLoopback: Bool {
        let h = host
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// True for `imaps://` and `smtps://`, where TLS starts before the first byte.
    public var usesImplicitTLS: Bool { scheme.hasSuffix("s") }
}

extension CurlConnection: CustomStringConvertible {
    public var description: String {
        "\(url) as \(username ?? "(none)")\(password == nil ? "" : " (password set)")"
    }
}
