import Curl

/// A failed SMTP submission, classified the way the outbox must act on it.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case unreachable, tls, certificate, authentication
        /// The address could not be used at all (refused before reaching libcurl).
        case invalidAddress
        /// The server answered with a 4xx: try again later.
        case temporaryRejection
        /// The server answered with a 5xx: retrying will not help.
        case permanentRejection
        case other
    }

    public var kind: Kind
    public var message: String
    /// The server's numeric reply, when there was one.
    public var replyCode: Int?
    /// What each recipient got back, when the conversation went that far.
    public var recipients: [SMTPRecipientResult] = []

    /// The login presented an OAuth 2 bearer token rather than a password (for the advice).
    public var usedBearerToken = false

    public init(kind: Kind, message: String, replyCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.replyCode = replyCode
    }

    /// Worth retrying later (4xx, connection or TLS trouble).
    public var isTemporary: Bool {
        switch kind {
        case .unreachable, .tls, .temporaryRejection: return true
        default: return false
        }
    }

    public var description: String {
        switch kind {
        case .certificate: return "\(message) — the server's certificate is not trusted; set [tls] ca_file to the CA that signed it"
        case .authentication:
            return usedBearerToken
                ? "\(message) — check [smtp] username and the bearer token (bearer_token_file or bearer_token_command): it may have expired"
                : "\(message) — check [smtp] username and the password file"
        default: return message
        }
    }
}
