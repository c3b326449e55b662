import Curl
import SMTP

/// What the outbox needs from SMTP: submit one message on a connection kept for the batch.
///
/// A protocol so that the outbox's state machine (claims, deferrals, crash recovery) can be
/// tested without a server; `SMTPClient` is the one real implementation.
public protocol OutboxTransport: AnyObject {
    func send(_ envelope: SMTPEnvelope, message: any UploadSource) throws(SMTPError) -> SMTPSendResult
}

extension SMTPClient: OutboxTransport {}
