import Foundation
import IMAP
import Logging
import Store

/// What one poll did; `kontakt poll --json` prints it.
public struct PollSummary: Codable, Sendable {
    public var fetched = 0
    public var stored = 0
    public var duplicates = 0
    public var quarantined = 0
    public var oversize = 0
    public var robots = 0
    /// New conversations the stored messages opened.
    public var opened = 0
    public var acknowledged = 0
    public var serverActions = 0
    public var resynchronized: [String] = []
    public var batchFallbacks = 0
    /// New messages left on the server for the next poll because this one's budget was spent
    /// (`max_messages_per_poll`, `max_seconds_per_poll`).
    public var remaining = 0
}

/// Fetches new mail from each configured folder and stores every message exactly once.
///
/// The guarantee rests on one ordering: a message, its conversation and topic, the folder's
/// new high-water UID and the after-fetch action it is owed are committed in **one**
/// transaction, and only then is the server touched. A crash before the commit leaves the
/// message above the high-water mark, so the next run fetches it again; a crash after it
/// leaves a recorded server action, which the next run carries out first. Neither path can
/// store a message twice (the folder/UIDVALIDITY/UID triple is unique) or lose one (nothing
/// is moved before it is committed, and nothing is ever deleted).
///
/// Incremental by UID, not by \Seen: a director reading mail in another client cannot hide
/// mail from Kontakt. `STATUS` answers "nothing new" in one round trip.
public final class Poller {
    let config: KontaktConfig
    let store: Store
    let imap: IMAPClient
    let ingestor: Ingestor
    let acknowledger: Acknowledger?
    let logger: Logger
    var clock: @Sendable () -> Date = { Date() }

    public init(config: KontaktConfig, store: Store, imap: IMAPClient, router: Router, logger: Logger) throws(KontaktError) {
        self.config = config
        self.store = store
        self.imap = imap
        ingestor = Ingestor(router: router, config: config)
        acknowledger = config.acknowledgement.enabled ? try Acknowledger(config: config, catalog: router.catalog) : nil
        self.logger = logger
    }

    /// Polls every folder. Throws `.temporary` when the server cannot be reached (exit 75) and
    /// `.failed` for what a human must fix; messages stored before the error stay stored.
    public func run() throws(KontaktError) -> PollSummary {
        var summary = PollSummary()
        let started = clock()
        var budget = PollBudget(maxMessages: config.imap.maxMessagesPerPoll, maxSeconds: config.imap.maxSecondsPerPoll,
                                startedAt: started)
        var run: PollRunRecord
        do { run = try store.write { tx in try tx.insert(PollRunRecord(startedAt: started)) } } catch {
            throw KontaktError.failed("cannot write to the store: \(error)")
        }
        do {
            sweepUnreferencedRaw()
            if config.imap.afterFetch == .move {
                try imap.createMailboxIfMissing(MailboxName(config.imap.processedFolder))
            }
            for folder in config.imap.folders {
                try poll(folder: folder, budget: &budget, summary: &summary)
            }
            recordServerCertificate()
            run.ok = true
        } catch let error as IMAPError {
            run.error = error.description
            finish(&run, summary)
            throw error.isTemporary ? KontaktError.temporary(error.description) : KontaktError.failed(error.description)
        } catch let error as KontaktError {
            run.error = error.description
            finish(&run, summary)
            throw error
        } catch {
            run.error = "\(error)"
            finish(&run, summary)
            throw KontaktError.failed("poll failed: \(error)")
        }
        finish(&run, summary)
        return summary
    }

    /// Removes raw bytes an earlier run stored and then crashed before referring to (best
    /// effort: they take space, not correctness, and the next run tries again).
    private func sweepUnreferencedRaw() {
        do {
            let swept = try store.sweepUnreferencedRaw(now: clock())
            if swept > 0 { logger.info("removed unreferenced raw messages", metadata: ["count": "\(swept)"]) }
        } catch {
            logger.warning("could not sweep unreferenced raw messages", metadata: ["error": "\(error)"])
        }
    }

    /// Keeps the IMAP server certificate's expiry for `kontakt status` (best effort: a poll does
    /// not fail for it).
    private func recordServerCertificate() {
        guard let pem = imap.serverCertificatePEM, let notAfter = CertificateValidity.notAfter(pem: pem) else { return }
        try? store.write { tx in
            try tx.setValue(ISO8601DateFormatter().string(from: notAfter), forKey: StoreTransaction.imapCertificateKey)
        }
    }

    private func finish(_ run: inout PollRunRecord, _ summary: PollSummary) {
        run.finishedAt = clock()
        run.fetched = summary.fetched
        run.stored = summary.stored
        run.duplicates = summary.duplicates
        run.quarantined = summary.quarantined
        run.oversize = summary.oversize
        run.robots = summary.robots
        run.remaining = summary.remaining
        let record = run
        try? store.write { tx in try tx.update(record) }
    }

    private func poll(folder name: String, budget: inout PollBudget, summary: inout PollSummary) throws {
        let folder = MailboxName(name)
        let status = try imap.status(folder)
        var box = try store.write { tx in try tx.mailbox(named: name) }
        let validity = Int64(status.uidValidity)
        if box.uidValidity == nil, status.messages > 0 {
            // The first poll of a folder that already holds mail imports it as backlog: stored
            // and threaded, never acknowledged (nobody wants 500 receipts for last month's mail),
            // even when the import takes several polls.
            box.backlogBelowUID = Int64(status.uidNext)
        }
        if let known = box.uidValidity, known != validity {
            // The server renumbered the folder: every UID is new again. Duplicates are recognised
            // by content (and Message-ID), so nothing is stored twice.
            logger.warning("UIDVALIDITY changed; resynchronising", metadata: ["folder": "\(name)", "old": "\(known)", "new": "\(validity)"])
            summary.resynchronized.append(name)
            box.highestUID = 0
            box.backlogBelowUID = nil
            try store.write { tx in try tx.dropServerActions(mailbox: name, otherThanUIDValidity: validity) }
        }
        box.uidValidity = validity
        summary.serverActions += try carryOutServerActions(folder: folder)

        let uidNext = status.uidNext
        guard Int64(uidNext) > box.highestUID + 1 else {
            box.lastPollAt = clock()
            let b = box
            try store.write { tx in try tx.save(b) }
            return
        }
        var uids = try imap.uids(in: folder, from: UInt32(box.highestUID + 1), below: uidNext)
        logger.info("new messages", metadata: ["folder": "\(name)", "count": "\(uids.count)"])
        let granted = budget.take(uids.count)
        if granted < uids.count {
            summary.remaining += uids.count - granted
            uids.removeLast(uids.count - granted)
        }
        let sizes = uids.isEmpty ? [:] : try imap.sizes(in: folder, uids: uids)

        let oversize = Set(uids.filter { (sizes[$0] ?? 0) > config.imap.maxMessageSize })
        let groups = config.imap.fetchMode == .batch
            ? Poller.batchGroups(uids.filter { !oversize.contains($0) }, sizes: sizes) : []
        let plan = BodyPrefetcher.Plan(uids: uids, folder: folder, uidValidity: status.uidValidity, headerOnly: oversize,
                                       sizes: sizes, batchMode: config.imap.fetchMode == .batch, batchGroups: groups)
        let prefetcher = BodyPrefetcher(
            imap: imap, extraFetchers: uids.count > 1 ? extraFetchers() : [], plan: plan, logger: logger,
            prepare: { [ingestor] raw in ingestor.prepare(raw) },
            serverActions: { [self] in try carryOutServerActions(folder: folder) })
        prefetcher.start()
        do {
            // Whatever ends the loop, the fetch thread is joined before this thread uses the connection.
            defer {
                let report = prefetcher.finish()
                summary.batchFallbacks += report.batchFallbacks
                summary.serverActions += report.serverActions
            }
            var position = 0
            var sinceActions = 0
            while position < uids.count {
                // Several messages per transaction: each commit rewrites the pages of every
                // index and starts a full-text segment, which per message cost more than the
                // message itself. A group is still committed before the server is touched,
                // and a crash inside one rolls the whole group back to be fetched again.
                var group: [(uid: UInt32, fetched: BodyPrefetcher.Fetched)] = []
                var groupBytes = 0
                while position < uids.count, group.count < Poller.commitGroupMessages, groupBytes < Poller.commitGroupBytes {
                    let uid = uids[position]
                    position += 1
                    let fetched = try prefetcher.take(uid)
                    switch fetched {
                    case .vanished:
                        // Expunged by another client between SEARCH and FETCH: nothing to store.
                        logger.info("message vanished before fetch", metadata: ["uid": "\(uid)"])
                        box.highestUID = max(box.highestUID, Int64(uid))
                        continue
                    case .message(let message): groupBytes += message.size
                    case .header(let bytes): groupBytes += bytes.count
                    }
                    group.append((uid, fetched))
                }
                guard !group.isEmpty else { continue }
                summary.fetched += group.count
                let outcomes = try commit(group, folder: name, box: box, validity: validity, sizes: sizes,
                                          summary: &summary)
                for (uid, _) in group { box.highestUID = max(box.highestUID, Int64(uid)) }
                for outcome in outcomes { count(outcome, into: &summary) }
                // `batch_size` committed messages between after-fetch actions: the fetch thread
                // carries them out before its next fetch.
                sinceActions += group.count
                if sinceActions >= config.imap.batchSize {
                    prefetcher.requestServerActions()
                    sinceActions = 0
                }
                if position < uids.count, budget.isOverTime(at: clock()) {
                    summary.remaining += uids.count - position
                    budget.giveBack(uids.count - position)
                    logger.info("poll budget spent; the next poll goes on", metadata: ["folder": "\(name)", "left": "\(uids.count - position)"])
                    break
                }
            }
        }
        summary.serverActions += try carryOutServerActions(folder: folder)
        box.lastPollAt = clock()
        let b = box
        try store.write { tx in try tx.save(b) }
    }

    /// Sessions for `fetch_connections`, opened on first use and kept for the run's other folders.
    private var extraClients: [IMAPClient]?
    private func extraFetchers() -> [IMAPClient] {
        if let extraClients { return extraClients }
        let count = config.imap.fetchMode == .single ? config.imap.fetchConnections - 1 : 0
        let clients = (0..<count).compactMap { _ in try? IMAPClient(connection: imap.connection) }
        extraClients = clients
        return clients
    }

    /// Stores `group` in one transaction, with each message's after-fetch action and the
    /// folder's new high-water UID: all of them are committed, or none.
    private func commit(_ fetchedGroup: [(uid: UInt32, fetched: BodyPrefetcher.Fetched)], folder name: String, box: MailboxRecord,
                        validity: Int64, sizes: [UInt32: Int],
                        summary: inout PollSummary) throws -> [IngestOutcome?] {
        let group = try storingRaw(of: fetchedGroup, mailboxId: box.id!, validity: validity)
        var acknowledged = 0
        let outcomes = try store.write { tx -> [IngestOutcome?] in
            try tx.confirmRaw(group.compactMap { item in
                if case .message(let message) = item.fetched { message.record.rawKey } else { nil }
            })
            var outcomes: [IngestOutcome?] = []
            var updated = box
            acknowledged = 0
            for (uid, fetched) in group {
                updated.highestUID = max(updated.highestUID, Int64(uid))
                guard !(try tx.hasMessage(mailboxId: box.id!, uidValidity: validity, uid: Int64(uid))) else {
                    outcomes.append(nil)
                    continue
                }
                let isBacklog = Int64(uid) < (box.backlogBelowUID ?? 0)
                let origin = InboundOrigin(mailboxId: box.id, uidValidity: validity, uid: Int64(uid),
                                           isBacklog: isBacklog, receivedAt: clock())
                let outcome: IngestOutcome
                switch fetched {
                case .message(let message):
                    outcome = try ingestor.ingest(message, origin: origin, in: tx)
                    try tx.addServerAction(serverAction(name, validity, uid))
                case .header(let header):
                    // An oversize message stays in the folder for a human to deal with.
                    outcome = try ingestor.ingestOversize(header: header, size: sizes[uid] ?? header.count, origin: origin, in: tx)
                case .vanished:
                    continue
                }
                if case .accepted(let messageId, let conversationId, true) = outcome, let acknowledger {
                    if try acknowledger.acknowledgeIfDue(conversationId: conversationId, messageId: messageId,
                                                         isBacklog: isBacklog, in: tx, now: clock()) {
                        acknowledged += 1
                    }
                }
                outcomes.append(outcome)
            }
            try tx.save(updated)
            return outcomes
        }
        summary.acknowledged += acknowledged
        return outcomes
    }

    /// The group with its messages' bytes committed to the raw file ahead of the transaction
    /// that refers to them (`Ingestor.storingRaw`); a UID already stored writes no bytes.
    private func storingRaw(of group: [(uid: UInt32, fetched: BodyPrefetcher.Fetched)], mailboxId: Int64,
                            validity: Int64) throws -> [(uid: UInt32, fetched: BodyPrefetcher.Fetched)] {
        let bodies = group.enumerated().compactMap { index, item -> (index: Int, message: InboundMessage)? in
            if case .message(let message) = item.fetched { (index, message) } else { nil }
        }
        let stored = try ingestor.storingRaw(bodies.map(\.message), in: store, at: clock()) { position, tx in
            try tx.hasMessage(mailboxId: mailboxId, uidValidity: validity, uid: Int64(group[bodies[position].index].uid))
        }
        var result = group
        for (body, message) in zip(bodies, stored) { result[body.index].fetched = .message(message) }
        return result
    }

    /// libcurl 7.88 hands a custom command's whole response to the header callback and refuses
    /// more than 300 KB of it per transfer ("Too large response headers"), counting every line at
    /// about the size of the read buffer it came in — so the limit is reached after a few hundred
    /// lines, not 300 KB of mail. A batch therefore holds a few small messages only; anything
    /// else is fetched through its own `;UID=` URL, where libcurl reads the literal as a body
    /// without that limit. (Measured in BENCHMARKS.md; "single" is the default for this reason.)
    static let batchBudget = 24_000
    /// At most this many messages, or this many bytes of them, are committed in one transaction.
    /// Every commit fsyncs the raw file and the store and rewrites the store's index pages into
    /// the WAL, so fewer, larger groups cost less per message: 128 messages / 32 MB instead of
    /// 32 / 16 MB made the 10,000-message poll 1 to 1.5 s faster (BENCHMARKS.md). Memory stays
    /// bounded by one group plus the fetch window (`BodyPrefetcher.defaultWindowBytes`).
    static let commitGroupMessages = 128
    static let commitGroupBytes = 32 * 1024 * 1024
    static let batchMessages = 8

    static func batchGroups(_ uids: [UInt32], sizes: [UInt32: Int]) -> [[UInt32]] {
        var groups: [[UInt32]] = []
        var current: [UInt32] = []
        var bytes = 0
        for uid in uids {
            // Unknown sizes count as too large: RFC822.SIZE is advisory and sometimes missing.
            let size = sizes[uid] ?? batchBudget
            guard size + 200 < batchBudget / 2 else { continue }
            if (bytes + size + 200 > batchBudget || current.count >= batchMessages), !current.isEmpty {
                groups.append(current)
                current = []
                bytes = 0
            }
            current.append(uid)
            bytes += size + 200
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    private func serverAction(_ folder: String, _ validity: Int64, _ uid: UInt32) -> ServerActionRecord {
        switch config.imap.afterFetch {
        case .move:
            return ServerActionRecord(mailboxName: folder, uidValidity: validity, uid: Int64(uid), action: .move,
                                      target: config.imap.processedFolder, createdAt: clock())
        case .leave:
            return ServerActionRecord(mailboxName: folder, uidValidity: validity, uid: Int64(uid), action: .flag,
                                      target: "\\Seen", createdAt: clock())
        }
    }

    private func count(_ outcome: IngestOutcome?, into summary: inout PollSummary) {
        switch outcome {
        case .none, .duplicate: summary.duplicates += 1
        case .accepted(_, _, let newConversation):
            summary.stored += 1
            if newConversation { summary.opened += 1 }
        case .robot: summary.stored += 1; summary.robots += 1
        case .quarantined(_, let reasons):
            summary.stored += 1
            summary.quarantined += 1
            logger.warning("message quarantined", metadata: ["reasons": "\(reasons.joined(separator: "; "))"])
        case .oversize: summary.stored += 1; summary.oversize += 1
        }
    }

    /// Does what the server is still owed for committed messages, in as few commands as
    /// possible; returns how many actions were carried out.
    private func carryOutServerActions(folder: MailboxName) throws -> Int {
        let pending = try store.read { tx in try tx.pendingServerActions(mailbox: folder.name) }
        guard !pending.isEmpty else { return 0 }
        var done = 0
        let groups = Dictionary(grouping: pending) { "\($0.uidValidity)|\($0.action.rawValue)|\($0.target ?? "")" }
        for (_, actions) in groups {
            let uids = actions.map { UInt32($0.uid) }
            let ids = actions.compactMap(\.id)
            do {
                switch actions[0].action {
                case .move:
                    // Fetching leaves flags alone (`IMAPClient.fetch`): mark the messages read
                    // before they go, so the processed folder does not fill with unread mail.
                    try imap.addFlags("\\Seen", uids: uids, in: folder)
                    try imap.move(uids: uids, from: folder, to: MailboxName(actions[0].target ?? config.imap.processedFolder))
                case .flag:
                    try imap.addFlags(actions[0].target ?? "\\Seen", uids: uids, in: folder)
                }
                try store.write { tx in try tx.completeServerActions(ids: ids) }
                done += ids.count
            } catch let error as IMAPError where !error.isTemporary {
                // A refused MOVE must not stop the poll: the messages are safe in the store and
                // the action is retried next run; `kontakt status` shows repeated failures.
                logger.warning("after-fetch action failed; will retry", metadata: ["error": "\(error)"])
                try store.write { tx in try tx.failServerActions(ids: ids, error: error.description) }
            }
        }
        return done
    }
}
