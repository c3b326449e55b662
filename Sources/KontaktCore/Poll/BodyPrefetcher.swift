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
/// Extra connections (`[imap] fetch_connections`) fetch side by side with the first: a single
/// `;UID=` fetch is a round trip in which client and server mostly wait on each other, so two
/// sessions keep both busy. They only ever fetch; an extra connection that fails hands its
/// message back to the first connection and stops, so it can never fail a poll.
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
        /// RFC822.SIZE by UID, to receive each body into a buffer of its size.
        var sizes: [UInt32: Int] = [:]
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
    private let extraFetchers: [IMAPClient]
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
    /// Fetch threads still running (the first connection's and the extra ones).
    private var running = 0
    /// Position in `plan.uids` of the next message to fetch.
    private var nextIndex = 0
    /// Positions an extra connection failed on, for the first connection to fetch.
    private var handedBack: [Int] = []
    /// Messages handed to `preparation` and not yet back.
    private var preparing = 0
    private var report = Report()
    private var actionsRequested = false
    /// The error that ended the first session's fetching: what a message nobody fetched failed on.
    private var failure: (any Error)?
    /// Preparing is CPU work on one message at a time, so messages are prepared side by side on
    /// the spare cores while the fetch thread waits on the server for the next one.
    private let preparation = DispatchQueue(label: "kontakt-prepare", qos: .userInitiated, attributes: .concurrent)

    /// How far the fetch may run ahead of the poller's commits. Twice a commit group: while one
    /// group's commit waits on fsync, the fetch threads fill the next one instead of idling
    /// (32 MB left the two cores 10-15 % idle during commits; measured in BENCHMARKS.md).
    static let defaultWindowBytes = 64 * 1024 * 1024

    init(imap: IMAPClient, extraFetchers: [IMAPClient] = [], plan: Plan, windowBytes: Int = BodyPrefetcher.defaultWindowBytes, logger: Logger,
         prepare: @escaping @Sendable ([UInt8]) -> InboundMessage, serverActions: @escaping () throws -> Int) {
        self.imap = imap
        // A batch plan is fetched by the first connection alone (it walks its groups in order).
        self.extraFetchers = plan.batchGroups.isEmpty ? extraFetchers : []
        self.plan = plan
        self.prepare = prepare
        self.serverActions = serverActions
        self.windowBytes = windowBytes
        self.logger = logger
    }

    /// Starts the fetch threads. Call `finish()` before using the IMAP client again.
    func start() {
        condition.lock()
        running = 1 + extraFetchers.count
        condition.unlock()
        startThread(named: "kontakt-fetch") { [self] in produce() }
        for (number, client) in extraFetchers.enumerated() {
            startThread(named: "kontakt-fetch-\(number + 2)") { [self] in produceExtra(client) }
        }
    }

    private func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            yieldToCommits()
            body()
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// The message `uid`, waiting for it if the fetch thread has not got there yet. Call in
    /// the plan's UID order. Throws the fetch thread's error for the first UID it failed on
    /// (a fetch, or after-fetch actions it was carrying out before it).
    func take(_ uid: UInt32) throws -> Fetched {
        condition.lock()
        defer { condition.unlock() }
        while ready[uid] == nil && (running > 0 || preparing > 0) { condition.wait() }
        guard let result = ready.removeValue(forKey: uid) else {
            // Handed back by an extra session after the first had already stopped on an error.
            throw failure ?? IMAPError(kind: .protocolViolation, message: "the fetch thread stopped before message \(uid); poll again")
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
        while running > 0 || preparing > 0 { condition.wait() }
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
        while true {
            guard let claim = claimNext(waitingForExtras: true) else { return }
            let uid = plan.uids[claim.position]
            if claim.actionsDue {
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

            switch fetch(uid, with: imap, prefetched: batched.removeValue(forKey: uid)) {
            case .success(let bytes):
                hand(uid, bytes)
            case .failure(let error):
                deliver(uid, .failure(error))
                return
            }
        }
    }

    /// An extra connection's loop: fetch whatever comes next until there is nothing left; on an
    /// error, give the message back to the first connection and stop.
    private func produceExtra(_ client: IMAPClient) {
        while let claim = claimNext(waitingForExtras: false) {
            let uid = plan.uids[claim.position]
            switch fetch(uid, with: client, prefetched: nil) {
            case .success(let bytes):
                hand(uid, bytes)
            case .failure(let error):
                logger.info("extra fetch connection failed; the first connection goes on alone",
                            metadata: ["error": "\(error.kind)"])
                condition.lock()
                handedBack.append(claim.position)
                handedBack.sort()
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }

    /// The position of the next message to fetch, waiting while the window is full; nil when
    /// there is nothing left (for the first connection: nor can an extra one still hand a
    /// message back) or the poller has finished. `actionsDue` only for the first connection.
    private func claimNext(waitingForExtras: Bool) -> (position: Int, actionsDue: Bool)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if cancelled { return nil }
            var actionsDue = false
            if waitingForExtras {
                actionsDue = actionsRequested
                actionsRequested = false
            }
            // A message handed back lies behind everything fetched since, so the poller may be
            // waiting for it with the window full of later ones: it is fetched whatever the window.
            if waitingForExtras, !handedBack.isEmpty { return (handedBack.removeFirst(), actionsDue) }
            // Otherwise stay at most one message beyond the window ahead of the poller.
            if bufferedBytes < windowBytes, nextIndex < plan.uids.count {
                nextIndex += 1
                return (nextIndex - 1, actionsDue)
            }
            // The first connection, itself still running, is the last one when `running` is 1.
            if nextIndex >= plan.uids.count, !waitingForExtras || running == 1 { return nil }
            if actionsDue { actionsRequested = true }
            condition.wait()
        }
    }

    /// Hands fetched bytes on: a full message to be prepared, a header block or a vanished
    /// message straight to the poller.
    private func hand(_ uid: UInt32, _ bytes: [UInt8]?) {
        guard let bytes else { return deliver(uid, .success(.vanished)) }
        guard !plan.headerOnly.contains(uid) else { return deliver(uid, .success(.header(bytes))) }
        condition.lock()
        bufferedBytes += bytes.count
        preparing += 1
        condition.unlock()
        preparation.async { [self] in
            yieldToCommits()
            let message = prepare(bytes)
            condition.lock()
            ready[uid] = .success(.message(message))
            preparing -= 1
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Lowers the calling thread's priority a little, for the fetch and preparation threads:
    /// five nice levels below the thread that created the prefetcher (the poller's).
    ///
    /// Why: the poller's thread, which commits, is the pipeline's one serial stage; the others
    /// only run ahead of it, within the window. When the cores are short (Dovecot on the same
    /// machine, or anything else cron runs), the scheduler shared them out evenly, and the
    /// committing thread spent about 5 s of a 10,000-message poll runnable but waiting for a
    /// core, while the fetch stood still at a full window and cores went idle (4-5 core-seconds).
    /// With the helpers five levels down the committing thread runs when it can: idle fell to
    /// about 2 core-seconds and the poll took 17.2-17.9 s instead of 18.1-19.0 s (BENCHMARKS.md).
    ///
    /// Relative, so a poll that cron already starts niced keeps its helpers below it; idempotent,
    /// because dispatch reuses its worker threads for message after message. A thread may always
    /// lower its own priority; on Linux `setpriority` with `who` 0 applies to the calling thread
    /// only. It stays lowered: the dispatch workers that prepare messages serve nothing else
    /// during a poll.
    private func yieldToCommits() {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(which, 0)
        guard errno == 0, current < helperNice else { return }
        _ = setpriority(which, 0, helperNice)
        #endif
    }

    /// The nice value of the fetch and preparation threads (see `yieldToCommits`).
    private let helperNice: Int32 = {
        #if os(Linux)
        errno = 0
        let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        return errno == 0 ? min(own + 5, 19) : 19
        #else
        return 0
        #endif
    }()

    private func deliver(_ uid: UInt32, _ result: Result<Fetched, any Error>) {
        condition.lock()
        if case .failure(let error) = result, failure == nil { failure = error }
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
    private func fetch(_ uid: UInt32, with client: IMAPClient, prefetched: [UInt8]?) -> Result<[UInt8]?, IMAPError> {
        let headerOnly = plan.headerOnly.contains(uid)
        if let prefetched, !headerOnly { return .success(prefetched) }
        do {
            return .success(try client.fetch(uid: uid, in: plan.folder, uidValidity: plan.uidValidity,
                                           section: headerOnly ? "HEADER" : nil, expectedSize: plan.sizes[uid]))
        } catch {
            if error.kind == .notFound { return .success(nil) }
            return .failure(error)
        }
    }
}
