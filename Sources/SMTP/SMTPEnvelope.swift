/// The SMTP envelope: who the server should report to, and who gets the message.
///
/// libcurl 7.88 copies MAIL FROM and RCPT addresses onto the wire verbatim, CR and LF
/// included (fixed only in 8.22), so an address taken from an inbound Reply-To could inject
/// SMTP commands. The envelope therefore validates itself at the transport boundary, the
/// last point before libcurl, whatever the caller already checked.
public struct SMTPEnvelope: Sendable, Hashable {
    /// Envelope sender; "" is the null sender `<>` (used for automatic mail that must never bounce back).
    public var sender: String
    public var recipients: [String]

    public init(sender: String, recipients: [String]) throws(SMTPError) {
        guard sender.isEmpty || Self.isSafe(sender) else {
            throw SMTPError(kind: .invalidAddress, message: "the envelope sender is not a plain address: \(Self.describe(sender))")
        }
        guard !recipients.isEmpty else {
            throw SMTPError(kind: .invalidAddress, message: "no recipients")
        }
        for r in recipients where !Self.isSafe(r) {
            throw SMTPError(kind: .invalidAddress, message: "a recipient is not a plain address: \(Self.describe(r))")
        }
        self.sender = sender
        self.recipients = recipients
    }

    /// One `local@domain`: no controls, spaces, brackets or commas, one @, RFC 5321 length limits.
    public static func isSafe(_ address: String) -> Bool {
        guard address.utf8.count <= 254, !address.isEmpty else { return false }
        let forbidden: Set<Unicode.Scalar> = ["<", ">", " ", ",", "\\", "\"", "(", ")", ";", ":", "[", "]"]
        for s in address.unicodeScalars where s.value < 0x21 || s.value == 0x7F || forbidden.contains(s) {
            return false
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return false }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return false }
        return true
    }

    /// Shows which characters are wrong without echoing a whole (personal) address into logs.
    private static func describe(_ address: String) -> String {
        if address.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) { return "it contains a line break" }
        if address.unicodeScalars.contains(where: { $0.value < 0x20 }) { return "it contains a control character" }
        return "it is not of the form name@domain"
    }
}
