import Curl
import Foundation
import IMAP
import Logging
import SMTP
import Store

/// Sends what is in the outbox, one SMTP connection for the whole batch, crash-safe.
///
/// ## States
/// `queued → sending → sent`; or `deferred` (a 4xx, or connection/TLS trouble: tried again with
/// `RetryPolicy` backoff until `[smtp] max_retry_hours`, then `failed`); or `failed` (a 5xx, an
/// address refused before SMTP, an attachment that changed). `cancelled` by hand.
///
/// ## What a kill -9 can and cannot do
/// Every transition is a committed UPDATE guarded by the state it leaves, in this order:
///
/// 1. claim: `queued|deferred → sending` (commit);
/// 2. libcurl sends MAIL FROM, RCPT TO, DATA and the body;
/// 3. when the body's last byte is handed to libcurl, `handedOverAt` is committed — libcurl then
///    sends the final `CRLF.CRLF`;
/// 4. the server answers 250; we commit `sent` at once, with the thread's copy, in one small
///    transaction (no BLOB rewritten).
///
/// A run that dies leaves the entry in `sending`. The next run (it holds the same lock, so the
/// dead one is really gone) decides by `handedOverAt`:
/// - **not set**: the server never saw the end of the data, and an SMTP server discards an
///   unterminated DATA, so nothing was delivered: the entry is queued again and sent. No loss,
///   no duplicate.
/// - **set**: the final dot may have reached the server. This is the one window SMTP itself
///   cannot close (RFC 1047): after the dot, the server may commit and answer 250 while we die
///   before our commit, and no SMTP command asks "did you take it?". The process's death does
///   not stop the server — the kernel still delivers the buffered dot — so the message was
///   almost certainly accepted. We record it as **sent, unconfirmed** (`OutboxEntry.unconfirmed`)
///   rather than send it again: a duplicate to a resident is worse than an entry the director
///   can check, and `kontakt outbox` lists it; `kontakt retry ID` resends it if it did not arrive.
///
/// The window is therefore from handing over the last buffer to our commit: one server round
/// trip plus a one-row UPDATE. Its only consequence is an "unconfirmed" mark, never a second
/// copy; a message is sent twice only if a server accepts a message and then answers otherwise.
public final class Outbox {
    public struct Settings: Sendable {
        public var policy: RetryPolicy
        /// Pace sending (`[smtp] messages_per_minute`).
        public var messagesPerMinute: Int?
        /// Stop for the day after this many (`[smtp] messages_per_day`).
        public var messagesPerDay: Int?
        /// Where spec-built messages are spooled: `<store>.spool`.
        public var spoolDirectory: String
        /// The send lock: `<store>.send.lock`.
        public var lockPath: String

        public init(config: KontaktConfig) {
            let smtp = config.smtp
            policy = RetryPolicy(maximumAge: (smtp?.maxRetryHours ?? 48) * 3600)
            messagesPerMinute = smtp?.messagesPerMinute
            messagesPerDay = smtp?.messagesPerDay
            spoolDirectory = config.storePath + ".spool"
            lockPath = Outbox.lockPath(storePath: config.storePath)
        }
    }

    public static func lockPath(storePath: String) -> String { storePath + ".send.lock" }

    let store: Store
    let settings: Settings
    let logger: Logger
    private let connect: () throws -> any OutboxTransport
    private let sentFolder: SentFolderCopier?
    private var transport: (any OutboxTransport)?
    var clock: () -> Date = { Date() }
    var pause: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }

    /// The real outbox: SMTP from `[smtp]`, with STARTTLS required even on loopback (never
    /// libcurl's "try", which would send the password in clear to a server that does not offer
    /// TLS), certificates verified unless `[tls] verify = false`, and the Sent-folder copy when
    /// `[smtp] sent_folder` is set.
    /// Secrets are read when the first message is about to go, so `outbox`, `retry` and `cancel`
    /// need none.
    public convenience init(config: KontaktConfig, store: Store, logger: Logger) {
        var copier: SentFolderCopier?
        if let folder = config.smtp?.sentFolder, !folder.isEmpty {
            copier = IMAPSentFolderCopier(folder: folder) { () throws -> IMAPClient in
                try IMAPClient(connection: try config.imapConnection())
            }
        }
        self.init(store: store, settings: Settings(config: config), logger: logger, sentFolder: copier) { () throws -> any OutboxTransport in
            var connection = try config.smtpConnection()
            connection.requireTLS = true
            return try SMTPClient(connection: connection)
        }
    }

    /// An outbox on any transport (tests use a scripted one).
    init(store: Store, settings: Settings, logger: Logger, sentFolder: SentFolderCopier? = nil,
         connect: @escaping () throws -> any OutboxTransport) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.sentFolder = sentFolder
        self.connect = connect
    }

    // MARK: - Sending

    /// Sends every entry that is due. Takes the send lock (busy → `.busy`, exit 75). A run that
    /// stops early says why in `summary.stop`; what it sent before stays sent.
    public func sendDue() throws(KontaktError) -> SendSummary {
        try locked { summary throws(KontaktError) in
            let ids = try storeRead { tx in try tx.dueOutboxIds(at: self.clock()) }
            try send(ids, summary: &summary)
        }
    }

    /// Sends these entries now, whatever their `nextAttemptAt` (for `reply --send` and tests).
    /// Entries that are not queued or deferred are skipped and reported.
    public func send(ids: [Int64]) throws(KontaktError) -> SendSummary {
        try locked { summary throws(KontaktError) in try send(ids, summary: &summary) }
    }

    private func locked(_ body: (inout SendSummary) throws(KontaktError) -> Void) throws(KontaktError) -> SendSummary {
        let lock = try RunLock(path: settings.lockPath)
        defer { withExtendedLifetime(lock) {} }
        var summary = SendSummary()
        try recoverInterrupted(&summary)
        try body(&summary)
        return summary
    }

    private func send(_ ids: [Int64], summary: inout SendSummary) throws(KontaktError) {
        guard !ids.isEmpty else { return }
        do { _ = try currentTransport() } catch {
            // Missing password file, no [smtp]: nothing was claimed, a human must fix the config.
            summary.stop = SendSummary.Stop(temporary: false, reason: "\(error)")
            return
        }
        var lastStart: Date?
        for id in ids {
            if let perDay = settings.messagesPerDay {
                let count = try storeRead { tx in try tx.sentOutboxCount(since: self.clock().addingTimeInterval(-86_400)) }
                if count >= perDay {
                    // Not an error: the rest waits for tomorrow's runs.
                    logger.info("daily sending limit reached", metadata: ["limit": "\(perDay)"])
                    summary.items.append(.init(id: id, state: "queued", detail: "[smtp] messages_per_day reached"))
                    break
                }
            }
            if let perMinute = settings.messagesPerMinute, perMinute > 0, let lastStart {
                let wait = 60.0 / Double(perMinute) - clock().timeIntervalSince(lastStart)
                if wait > 0 { pause(wait) }
            }
            lastStart = clock()
            if let stop = try sendOne(id, summary: &summary) {
                summary.stop = stop
                break
            }
        }
    }

    /// Sends one entry; returns a reason to stop the batch, or nil to go on.
    private func sendOne(_ id: Int64, summary: inout SendSummary) throws(KontaktError) -> SendSummary.Stop? {
        guard let entry = try storeWrite({ tx in try tx.claimOutboxEntry(id: id, at: self.clock()) }) else {
            let state = try storeRead { tx in try tx.outboxSummary(id: id)?.state.rawValue } ?? "missing"
            summary.items.append(.init(id: id, state: state, detail: "not sent: the entry is \(state)"))
            return nil
        }
        // From here the entry is `sending`: every path below moves it on, unless the process dies,
        // which `recoverInterrupted` resolves on the next run.
        let prepared: PreparedMessage
        do {
            prepared = try PreparedMessage.prepare(entry, spoolDirectory: settings.spoolDirectory)
        } catch let error as OutboxError {
            try fail(entry, reason: error.description, results: "[]", summary: &summary)
            return nil
        } catch {
            // Spool trouble (disk full): nothing about the message is wrong.
            try deferOrFail(entry, reason: "cannot spool the message: \(error.localizedDescription)", results: "[]", summary: &summary)
            return SendSummary.Stop(temporary: true, reason: "cannot write the spool folder \(settings.spoolDirectory): \(error.localizedDescription)")
        }

        let result: SMTPSendResult
        do {
            let client = try currentTransport()
            let upload = HandoverUpload(try prepared.upload()) { [store, clock] in
                try store.write { tx in try tx.markOutboxHandedOver(id: id, at: clock()) }
            }
            result = try client.send(prepared.envelope, message: upload)
        } catch let error as SMTPError {
            return try handle(error, entry: entry, summary: &summary)
        } catch {
            try deferOrFail(entry, reason: "\(error)", results: "[]", summary: &summary)
            return nil
        }

        // The server said 250: commit at once (the window of `Outbox`'s documentation ends here).
        let refused = result.refused
        let note = refused.isEmpty ? nil
            : "\(refused.count) of \(result.recipients.count) recipients refused: " + refused.map { "\($0.address): \($0.reply)" }.joined(separator: "; ")
        let results = RecipientResult.merged(entry.recipientResults, with: result.recipients)
        let firstDelivery = !RecipientResult.decodeList(entry.recipientResults).contains(where: \.accepted)
        // Recipients refused for now (4xx) while others took the message: an MTA would keep them
        // queued, and so does the entry — deferred with only them left, until they accept or the
        // retry allowance runs out.
        let owed = refused.filter { (400..<500).contains($0.code) }.map(\.address)
        let now = clock()
        let since = entry.deferredSince ?? now
        if !owed.isEmpty, let next = settings.policy.nextAttempt(afterAttempt: entry.attempts, deferredSince: since, now: now) {
            try recordPartlyDelivered(entry, remaining: owed, note: note ?? "", results: RecipientResult.encodeList(results),
                                      nextAttemptAt: next, deferredSince: since, contentHash: prepared.contentHash, size: prepared.size)
            summary.deferred += 1
            summary.items.append(.init(id: id, state: "deferred", detail: note))
            logger.info("delivered to some recipients; the others deferred", metadata: ["outbox": "\(id)", "deferred": "\(owed.count)"])
        } else {
            try recordSent(entry, contentHash: prepared.contentHash, size: prepared.size,
                           results: RecipientResult.encodeList(results), note: note, confirmed: true)
            summary.sent += 1
            summary.items.append(.init(id: id, state: "sent", detail: note))
            logger.info("sent", metadata: ["outbox": "\(id)", "refused": "\(refused.count)"])
        }
        // One copy in the Sent folder per message, however many attempts its recipients took.
        if firstDelivery { copyToSentFolder(prepared, entry: entry, summary: &summary) }
        return nil
    }

    /// What an SMTP failure does to the entry and to the batch.
    private func handle(_ error: SMTPError, entry: OutboxRecord, summary: inout SendSummary) throws(KontaktError) -> SendSummary.Stop? {
        let id = entry.id!
        var error = error
        // When every RCPT was refused, libcurl fails with "send error" and says QUIT; the
        // recipients' own replies are what the message's fate depends on (any 4xx: try again).
        if !error.recipients.isEmpty, error.recipients.allSatisfy({ !$0.accepted }) {
            let temporary = error.recipients.contains { (400..<500).contains($0.code) }
            error.kind = temporary ? .temporaryRejection : .permanentRejection
            error.replyCode = error.recipients.last?.code
            error.message = "SMTP: every recipient was refused"
        }
        // An entry's earlier attempts may have delivered to some recipients: keep their results.
        let results = RecipientResult.encodeList(RecipientResult.merged(entry.recipientResults, with: error.recipients))
        // Dropped after the final dot without an answer: as ambiguous as a kill, resolved the same way.
        if error.replyCode == nil, [.unreachable, .tls, .other].contains(error.kind),
           try storeRead({ tx in try tx.outboxSummary(id: id)?.handedOverAt }) != nil {
            try recordSent(entry, contentHash: nil, size: nil, results: results,
                           note: Self.unconfirmedNote + " (the connection broke: \(error.message))", confirmed: false)
            summary.unconfirmed += 1
            summary.items.append(.init(id: id, state: "sent", detail: "unconfirmed"))
            return nil
        }
        switch error.kind {
        case .certificate, .authentication:
            // Our configuration, not the message: put it back untouched and stop for a human.
            try storeWrite { tx in
                try tx.requeueOutboxEntry(id: id, note: error.description, at: entry.nextAttemptAt, countAttempt: false)
            }
            summary.items.append(.init(id: id, state: "queued", detail: error.description))
            return SendSummary.Stop(temporary: false, reason: error.description)
        case .unreachable, .tls:
            try deferOrFail(entry, reason: error.message, results: results, summary: &summary)
            transport = nil
            return SendSummary.Stop(temporary: true, reason: "\(error.message) — the SMTP server cannot be reached; the outbox is kept and the next run tries again")
        case .temporaryRejection, .other:
            try deferOrFail(entry, reason: error.message + Self.replyText(error), results: results, summary: &summary)
            return nil
        case .permanentRejection, .invalidAddress:
            try fail(entry, reason: error.message + Self.replyText(error), results: results, summary: &summary)
            return nil
        }
    }

    static let unconfirmedNote = "unconfirmed: the run stopped after the end of the message went to the server and before its answer; it was almost certainly delivered — `kontakt retry ID` sends it again"

    /// The recipients' replies in one line, for `lastError`.
    private static func replyText(_ error: SMTPError) -> String {
        let refused = error.recipients.filter { !$0.accepted }
        guard !refused.isEmpty else { return "" }
        return " (" + refused.map { "\($0.address): \($0.reply)" }.joined(separator: "; ") + ")"
    }

    private func currentTransport() throws -> any OutboxTransport {
        if let transport { return transport }
        let made = try connect()
        transport = made
        return made
    }

    // MARK: - State changes

    private func deferOrFail(_ entry: OutboxRecord, reason: String, results: String, summary: inout SendSummary) throws(KontaktError) {
        let now = clock()
        let since = entry.deferredSince ?? now
        if let next = settings.policy.nextAttempt(afterAttempt: entry.attempts, deferredSince: since, now: now) {
            try storeWrite { tx in
                try tx.markOutboxDeferred(id: entry.id!, error: reason, recipientResults: results, nextAttemptAt: next, deferredSince: since)
            }
            summary.deferred += 1
            summary.items.append(.init(id: entry.id!, state: "deferred", detail: reason))
            logger.info("deferred", metadata: ["outbox": "\(entry.id!)", "attempt": "\(entry.attempts)"])
        } else {
            let hours = settings.policy.maximumAge / 3600
            try fail(entry, reason: "gave up after \(hours.formatted()) hours of temporary failures; last: \(reason)", results: results, summary: &summary)
        }
    }

    private func fail(_ entry: OutboxRecord, reason: String, results: String, summary: inout SendSummary) throws(KontaktError) {
        let now = clock()
        try storeWrite { tx in
            try tx.markOutboxFailed(id: entry.id!, error: reason, recipientResults: results)
            guard let conversationId = entry.conversationId else { return }
            try tx.record(EventRecord(at: now, conversationId: conversationId, actor: "send",
                                      kind: "\(entry.kind.rawValue)-failed", detail: reason))
            // A reply that could not be delivered means the question is unanswered again.
            if entry.kind == .reply, var conversation = try tx.conversation(id: conversationId), conversation.status != .open {
                conversation.status = .open
                conversation.closedAt = nil
                try tx.update(conversation)
                try tx.record(EventRecord(at: now, conversationId: conversationId, actor: "send", kind: "reopened",
                                          detail: "reply \(entry.id!) could not be delivered"))
            }
        }
        summary.failed += 1
        summary.items.append(.init(id: entry.id!, state: "failed", detail: reason))
        logger.warning("failed", metadata: ["outbox": "\(entry.id!)"])
    }

    /// `sending → sent` plus the thread's copy and, for a director's reply, `answered`: one transaction.
    private func recordSent(_ entry: OutboxRecord, contentHash: String?, size: Int64?, results: String, note: String?,
                            confirmed: Bool) throws(KontaktError) {
        let now = clock()
        try storeWrite { tx in
            try tx.markOutboxSent(id: entry.id!, at: now, recipientResults: results, note: note, confirmed: confirmed)
            try recordDelivery(of: entry, contentHash: contentHash, size: size, confirmed: confirmed, at: now, in: tx)
        }
    }

    /// Delivered to some recipients, owed to others (see `send`): the conversation gets its copy
    /// of the message now, the entry waits for the rest.
    private func recordPartlyDelivered(_ entry: OutboxRecord, remaining: [String], note: String, results: String,
                                       nextAttemptAt: Date, deferredSince: Date, contentHash: String?, size: Int64?) throws(KontaktError) {
        let now = clock()
        try storeWrite { tx in
            try tx.markOutboxPartlyDelivered(id: entry.id!, remainingRecipients: remaining, error: note, recipientResults: results,
                                             nextAttemptAt: nextAttemptAt, deferredSince: deferredSince)
            try recordDelivery(of: entry, contentHash: contentHash, size: size, confirmed: true, at: now, in: tx)
        }
    }

    /// The sent message in its conversation (once per entry) and what that means for the
    /// conversation's state.
    private func recordDelivery(of entry: OutboxRecord, contentHash: String?, size: Int64?, confirmed: Bool, at now: Date,
                                in tx: StoreTransaction) throws {
        let copy = entry.conversationId == nil ? nil : OutboundRecord.make(for: entry, contentHash: contentHash, size: size, at: now)
        guard let copy, let conversationId = entry.conversationId, !(try tx.hasOutboundMessage(outboxId: entry.id!)) else { return }
        try tx.insert(copy, raw: entry.raw.map { [UInt8]($0) })
        try tx.record(EventRecord(at: now, conversationId: conversationId, actor: "send",
                                  kind: "\(entry.kind.rawValue)-sent", detail: confirmed ? "" : "unconfirmed"))
        guard var conversation = try tx.conversation(id: conversationId) else { return }
        conversation.lastActivityAt = max(conversation.lastActivityAt, now)
        if entry.kind == .reply {
            // Only if nothing came in after the reply was written: a question that arrived
            // while the reply waited in the outbox must stay open in the queue.
            let lastInbound = try tx.messages(inConversation: conversationId)
                .filter { $0.direction == .inbound }.map(\.receivedAt).max()
            if conversation.status == .open, (lastInbound ?? .distantPast) <= entry.createdAt {
                conversation.status = .answered
            }
            if conversation.firstAnsweredAt == nil { conversation.firstAnsweredAt = now }
        }
        try tx.update(conversation)
    }

    /// Resolves entries a dead run left in `sending` (see the type's documentation) and removes
    /// its spool files. Runs under the send lock, so no live run owns them.
    func recoverInterrupted(_ summary: inout SendSummary) throws(KontaktError) {
        let interrupted = try storeRead { tx in try tx.interruptedOutboxEntries() }
        for entry in interrupted {
            if entry.handedOverAt == nil {
                try storeWrite { tx in
                    try tx.requeueOutboxEntry(id: entry.id!, note: "an earlier run stopped before the server had the whole message; sending again",
                                              at: self.clock(), countAttempt: true)
                }
                summary.requeuedAfterInterruption += 1
            } else {
                try recordSent(entry, contentHash: nil, size: nil, results: "[]", note: Self.unconfirmedNote, confirmed: false)
                summary.unconfirmed += 1
                summary.items.append(.init(id: entry.id!, state: "sent", detail: "unconfirmed"))
            }
            logger.warning("resolved an interrupted send", metadata: ["outbox": "\(entry.id!)",
                                                                       "handedOver": "\(entry.handedOverAt != nil)"])
        }
        if let leftovers = try? FileManager.default.contentsOfDirectory(atPath: settings.spoolDirectory) {
            for name in leftovers where name.hasSuffix(".eml") {
                try? FileManager.default.removeItem(atPath: settings.spoolDirectory + "/" + name)
            }
        }
    }

    private func copyToSentFolder(_ prepared: PreparedMessage, entry: OutboxRecord, summary: inout SendSummary) {
        guard let sentFolder else { return }
        do {
            try sentFolder.copy(try prepared.upload())
        } catch {
            summary.sentCopiesFailed += 1
            logger.warning("could not copy a sent message to the Sent folder", metadata: ["outbox": "\(entry.id!)"])
            if let conversationId = entry.conversationId {
                try? store.write { tx in
                    try tx.record(EventRecord(at: self.clock(), conversationId: conversationId, actor: "send",
                                              kind: "sent-copy-failed", detail: "\(error)"))
                }
            }
        }
    }

    // MARK: - Listing and manual actions

    /// Entries needing attention (queued, sending, deferred, failed, unconfirmed), or all with `includeDone`.
    public func entries(includeDone: Bool = false) throws(KontaktError) -> [OutboxEntry] {
        try storeRead { tx in
            let states: [OutboxRecord.State] = includeDone ? OutboxRecord.State.allCases : [.queued, .sending, .deferred, .failed, .sent]
            return try tx.outboxEntries(states: states)
                .filter { includeDone || $0.state != .sent || $0.handedOverAt != nil }
                .map(OutboxEntry.init)
        }
    }

    /// Makes a deferred, failed, cancelled or unconfirmed entry due now (the next `send` sends it).
    public func retry(id: Int64) throws(KontaktError) -> OutboxEntry {
        let now = clock()
        return try storeWrite { tx in
            guard let before = try tx.outboxSummary(id: id) else { throw KontaktError.notFound("outbox entry \(id) does not exist; see `kontakt outbox`") }
            guard try tx.retryOutboxEntry(id: id, at: now) else {
                throw KontaktError.invalid("outbox entry \(id) is \(before.state.rawValue)\(before.state == .sent ? " (the server confirmed it)" : ""); only deferred, failed, cancelled or unconfirmed entries can be retried")
            }
            if let c = before.conversationId {
                try tx.record(EventRecord(at: now, conversationId: c, actor: "director", kind: "\(before.kind.rawValue)-retry", detail: "outbox \(id)"))
            }
            return OutboxEntry(try tx.outboxSummary(id: id)!)
        }
    }

    /// Cancels a queued, deferred or failed entry: it will never be sent.
    public func cancel(id: Int64) throws(KontaktError) -> OutboxEntry {
        let now = clock()
        return try storeWrite { tx in
            guard let before = try tx.outboxSummary(id: id) else { throw KontaktError.notFound("outbox entry \(id) does not exist; see `kontakt outbox`") }
            guard try tx.cancelOutboxEntry(id: id) else {
                throw KontaktError.invalid("outbox entry \(id) is \(before.state.rawValue); only queued, deferred or failed entries can be cancelled")
            }
            if let c = before.conversationId {
                try tx.record(EventRecord(at: now, conversationId: c, actor: "director", kind: "\(before.kind.rawValue)-cancelled", detail: "outbox \(id)"))
            }
            return OutboxEntry(try tx.outboxSummary(id: id)!)
        }
    }

    // MARK: - Store access with typed errors

    private func storeRead<T>(_ body: (StoreTransaction) throws -> T) throws(KontaktError) -> T {
        do { return try store.read(body) } catch let e as KontaktError { throw e } catch {
            throw KontaktError.failed("cannot read the store: \(error)")
        }
    }

    private func storeWrite<T>(_ body: (StoreTransaction) throws -> T) throws(KontaktError) -> T {
        do { return try store.write(body) } catch let e as KontaktError { throw e } catch {
            throw KontaktError.failed("cannot write to the store: \(error)")
        }
    }
}
