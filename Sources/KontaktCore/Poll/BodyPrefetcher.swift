import Foundation
import IMAP
import Logging

/// Fetches a folder's new messages on a second thread, in UID order, and prepares each one
/// (`Ingestor.prepare`: hash, parse, robot verdict, classification) while the poller stores the
/// ones before them.
///
/// Why: on its own a poll alternates "wait for the server" and "work on one message", so it
/// uses one core and leaves it idle during every round trip and every TLS read. With the fetch
/// running ahead — by at most `windowBytes` of bodies, so memory stays bounded — network wait,
/// decryption, libcurl's copying, parsing, hashing and classifying overlap with SQLite.
///
/// What does not change is the order that makes the poller exactly-once: messages are still
/// committed in UID order by the poller's thread, and the after-fetch actions only ever touch
/// messages already committed. The actions run on this thread, between two fetches, when the
/// poller asks for them (`requestServerActions`) — so the single IMAP connection is never used
/// by two threads at once, and the pipeline never has to drain for them.
final class BodyPrefetcher: @unchecked Sendable {
    /// One message as the fetch thread delivered it.
    enum Fetched {
        case message(InboundMessage)
        /// The header block of an oversize message.
        case header([UInt8])
        /// Expunged by another client between SEARCH and FETCH.
        case vanished
    }

    struct Plan: Sendable {
        var uids: [UInt32]
        var folder: MailboxName
        var uidValidity: UInt32
        /// Oversize messages: only their header block is fetched.
        var headerOnly: Set<UInt32>
        var batchMode: Bool
        /// `fetch_mode = "batch"`: groups fetched with one custom UID FETCH each, when the
        /// fetch reaches their first message.
        var batchGroups: [[UInt32]]
    }

    /// What the fetch thread did besides fetching.
    struct Report {
        /// Messages a batch fetch did not deliver (fetched singly instead).
        var batchFallbacks = 0
        /// After-fetch actions carried out on this thread.
        var serverActions = 0
    }

    private let imap: IMAPClient
    private let plan: Plan
    private let prepare: @Sendable ([UInt8]) -> InboundMessage
    /// Carries out the after-fetch actions owed for committed messages; returns how many.
    private let serverActions: () throws -> Int
    private let windowBytes: Int
    private let logger: Logger

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var ready: [UInt32: Result<Fetched, any Error>] = [:]
    private var bufferedBytes = 0
    private var cancelled = false
    private var running = false
    /// Messages handed to `preparation` and not yet back.
    private var preparing = 0
    private var report = Report()
    private var actionsRequested = false
    /// Preparing is CPU work on one message at a time, so messages are prepared side by side on
    /// the spare cores while the fetch thread waits on the server for the next one.
    private let preparation = DispatchQueue(label: "kontakt-prepare", qos: .userInitiated, attributes: .concurrent)

    init(imap: IMAPClient, plan: Plan, windowBytes: Int = 32 * 1024 * 1024, logger: Logger,
         prepare: @escaping @Sendable ([UInt8]) -> InboundMessage, serverActions: @escaping () throws -> Int) {
        self.imap = imap
        self.plan = plan
        self.prepare = prepare
        self.serverActions = serverActions
        self.windowBytes = windowBytes
        self.logger = logger
    }

    /// Starts the fetch thread. Call `finish()` before using the IMAP client again.
    func start() {
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in
            produce()
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "kontakt-fetch"
        thread.start()
    }

    /// The message `uid`, waiting for it if the fetch thread has not got there yet. Call in
    /// the plan's UID order. Throws the fetch thread's error for the first UID it failed on
    /// (a fetch, or after-fetch actions it was carrying out before it).
    func take(_ uid: UInt32) throws -> Fetched {
        condition.lock()
        defer { condition.unlock() }
        while ready[uid] == nil && (running || preparing > 0) { condition.wait() }
        guard let result = ready.removeValue(forKey: uid) else {
            throw IMAPError(kind: .protocolViolation, message: "the fetch thread stopped before message \(uid); poll again")
        }
        bufferedBytes -= BodyPrefetcher.size(of: result)
        condition.broadcast()
        return try result.get()
    }

    /// Asks the fetch thread to carry out the after-fetch actions owed so far before its next
    /// fetch. Call after committing messages; what is still owed when the thread has ended is
    /// for the caller to carry out after `finish()`.
    func requestServerActions() {
        condition.lock()
        actionsRequested = true
        condition.unlock()
    }

    /// Stops fetching (if still at it) and waits for the thread to end.
    @discardableResult
    func finish() -> Report {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while running || preparing > 0 { condition.wait() }
        ready = [:]
        return report
    }

    private func produce() {
        let groupOf = Dictionary(plan.batchGroups.enumerated().flatMap { index, group in group.map { ($0, index) } },
                                 uniquingKeysWith: { first, _ in first })
        var fetchedGroups: Set<Int> = []
        var batched: [UInt32: [UInt8]] = [:]
        var deliveredByBatch = 0
        defer {
            if plan.batchMode {
                let wanted = plan.uids.filter { !plan.headerOnly.contains($0) }.count
                condition.lock()
                report.batchFallbacks = wanted - deliveredByBatch
                condition.unlock()
            }
        }
        for uid in plan.uids {
            // Stay at most one message beyond the window ahead of the poller.
            condition.lock()
            while bufferedBytes >= windowBytes && !cancelled { condition.wait() }
            let stop = cancelled
            let actionsDue = actionsRequested
            actionsRequested = false
            condition.unlock()
            if stop { return }
            if actionsDue {
                do {
                    let done = try serverActions()
                    condition.lock()
                    report.serverActions += done
                    condition.unlock()
                } catch {
                    deliver(uid, .failure(error))
                    return
                }
            }
            if let index = groupOf[uid], !fetchedGroups.contains(index) {
                fetchedGroups.insert(index)
                do {
                    let delivered = try imap.fetchBatch(uids: plan.batchGroups[index], in: plan.folder)
                    deliveredByBatch += delivered.count
                    batched.merge(delivered) { a, _ in a }
                } catch {
                    // The batch is an optimisation: whatever it did not deliver is fetched one
                    // by one below, and a real outage will surface there.
                    logger.info("batch fetch failed; fetching singly", metadata: ["error": "\(error.kind)"])
                }
            }

            switch fetch(uid, prefetched: batched.removeValue(forKey: uid)) {
            case .success(.some(let bytes)) where !plan.headerOnly.contains(uid):
                condition.lock()
                bufferedBytes += bytes.count
                preparing += 1
                condition.unlock()
                preparation.async { [self] in
                    let message = prepare(bytes)
                    condition.lock()
                    ready[uid] = .success(.message(message))
                    preparing -= 1
                    condition.broadcast()
                    condition.unlock()
                }
            case .success(.some(let header)):
                deliver(uid, .success(.header(header)))
            case .success(.none):
                deliver(uid, .success(.vanished))
            case .failure(let error):
                deliver(uid, .failure(error))
                return
            }
        }
    }

    private func deliver(_ uid: UInt32, _ result: Result<Fetched, any Error>) {
        condition.lock()
        ready[uid] = result
        bufferedBytes += BodyPrefetcher.size(of: result)
        condition.broadcast()
        condition.unlock()
    }

    private static func size(of result: Result<Fetched, any Error>) -> Int {
        switch result {
        case .success(.message(let message)): message.size
        case .success(.header(let bytes)): bytes.count
        default: 0
        }
    }

    /// The message's bytes (its header block when oversize); nil when it vanished.
    private func fetch(_ uid: UInt32, prefetched: [UInt8]?) -> Result<[UInt8]?, IMAPError> {
        let headerOnly = plan.headerOnly.contains(uid)
        if let prefetched, !headerOnly { return .success(prefetched) }
        do {
            return .success(try imap.fetch(uid: uid, in: plan.folder, uidValidity: plan.uidValidity,
                                           section: headerOnly ? "HEADER" : nil))
        } catch {
            if error.kind == .notFound { return .success(nil) }
            return .failure(error)
        }
    }
}
