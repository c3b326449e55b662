import Curl

/// An IMAP operation that failed, with what the user can do about it.
public struct IMAPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// DNS, TCP, timeout: try again later.
        case unreachable
        case tls
        case certificate
        case authentication
        /// The server refused a command (tagged NO/BAD).
        case commandRefused
        /// The message or mailbox is gone, or UIDVALIDITY changed.
        case notFound
        case protocolViolation
        case unsupported
        case other
    }

    public var kind: Kind
    public var message: String
    public var curl: CurlError?
    /// The login presented an OAuth 2 bearer token rather than a password (for the advice).
    public var usedBearerToken = false

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    init(_ error: CurlError, command: String? = nil) {
        curl = error
        switch error.kind {
        case .unreachable: kind = .unreachable
        case .tls: kind = .tls
        case .certificate: kind = .certificate
        case .authentication: kind = .authentication
        case .commandRefused: kind = .commandRefused
        case .notFound: kind = .notFound
        default: kind = .other
        }
        let verb = command.map { " (\($0.split(separator: " ").prefix(2).joined(separator: " ")))" } ?? ""
        message = "IMAP\(verb): \(error)"
    }

    public var isTemporary: Bool { kind == .unreachable || kind == .tls }

    public var description: String {
        switch kind {
        case .certificate:
            return "\(message) — the server's certificate is not trusted; set [tls] ca_file to the CA that signed it"
        case .authentication:
            return usedBearerToken
                ? "\(message) — check [imap] username and the bearer token (bearer_token_file or bearer_token_command): it may have expired"
                : "\(message) — check [imap] username and the password file"
        default:
            return message
        }
    }
}
