import Foundation

/// Why an outbox entry cannot be sent as it is; each text says what the director can do.
public enum OutboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry's message cannot be built (bad spec, builder refused it).
    case invalidMessage(String)
    /// An address would have reached the SMTP envelope unsafely (line breaks, brackets, ...).
    case refusedAddress(String)
    case attachmentMissing(path: String)
    case attachmentChanged(path: String)

    public var description: String {
        switch self {
        case .invalidMessage(let s): return s
        case .refusedAddress(let s): return "refused before SMTP: \(s); correct the address and queue the message again"
        case .attachmentMissing(let path):
            return "attachment \(path) cannot be read; restore it, then `kontakt retry ID`"
        case .attachmentChanged(let path):
            return "attachment \(path) changed after the message was queued; cancel this entry and queue it again with the new file"
        }
    }
}
