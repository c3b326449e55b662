import Curl
import IMAP

/// Puts a copy of each sent message in the IMAP Sent folder (`[smtp] sent_folder`), so the
/// director's ordinary mail client shows Kontakt's replies beside their own. Best effort: a
/// failed copy is logged and recorded on the conversation, never a reason to resend.
protocol SentFolderCopier: AnyObject {
    func copy(_ message: any UploadSource) throws
}

/// The IMAP APPEND implementation: one connection made on first use and kept for the batch.
final class IMAPSentFolderCopier: SentFolderCopier {
    private let folder: MailboxName
    private let connect: () throws -> IMAPClient
    private var client: IMAPClient?
    private var created = false

    init(folder: String, connect: @escaping () throws -> IMAPClient) {
        self.folder = MailboxName(folder)
        self.connect = connect
    }

    func copy(_ message: any UploadSource) throws {
        let client = try self.client ?? connect()
        self.client = client
        if !created {
            try client.createMailboxIfMissing(folder)
            created = true
        }
        do { try client.append(message, to: folder) } catch {
            self.client = nil
            throw error
        }
    }
}
