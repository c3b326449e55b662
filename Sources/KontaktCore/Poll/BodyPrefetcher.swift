import Foundation
import IMAP
import Logging

/// Fetches one chunk's messages on a second thread, in UID order, while the poller parses and
/// stores the ones before them.
///
/// Why: on its own a poll alternates "wait for the server" and "work on one message", so it
/// uses one core and leaves it idle during every round trip and every TLS read. With the fetch
/// running ahead — by at most `windowBytes` of bodies, so memory stays bounded — network wait,
/// decryption and libcurl's copying overlap with parsing, hashing and SQLite.
///
/// What does not change is the order that makes the poller exactly-once: messages are still
/// committed one by one in UID order by the poller's thread, and the server is touched (the
/// after-fetch actions) only after `finish()` has joined this thread, so the single IMAP
/// connection is never used by two threads at once.
final class BodyPrefetcher: @unchecked Sendable {
    /// One message as the fetch thread delivered it.
    enum Fetched {
        case body([UInt8])
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
        /// `fetch_mode = "batch"`: groups fetched with one custom UID FETCH each, before the rest.
        var batchGroups: [[UInt32]]
    }

    private let imap: IMAPClient
    private let plan: Plan
    private let windowBytes: Int
    private let logger: Logger

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var ready: [UInt32: Result<Fetched, IMAPError>] = [:]
    private var bufferedBytes = 0
    private var cancelled = false
    private var running = false
    private var fallbacks = 0

    init(imap: IMAPClient, plan: Plan, windowBytes: Int = 32 * 1024 * 1024, logger: Logger) {
        self.imap = imap
        self.plan = plan
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
    /// the plan's UID order. Throws the fetch thread's error for the first UID it failed on.
    func take(_ uid: UInt32) throws(IMAPError) -> Fetched {
        condition.lock()
        defer { condition.unlock() }
        while ready[uid] == nil && running { condition.wait() }
        guard let result = ready.removeValue(forKey: uid) else {
            throw IMAPError(kind: .protocolViolation, message: "the fetch thread stopped before message \(uid); poll again")
        }
        if case .success(.body(let bytes)) = result { bufferedBytes -= bytes.count }
        condition.broadcast()
        return try result.get()
    }

    /// Stops fetching (if still at it) and waits for the thread to end. Returns how many
    /// messages a batch fetch did not deliver and were fetched singly instead.
    @discardableResult
    func finish() -> Int {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        ready = [:]
        return fallbacks
    }

    private func produce() {
        var batched: [UInt32: [UInt8]] = [:]
        for group in plan.batchGroups {
            if isCancelled { return }
            do {
                batched.merge(try imap.fetchBatch(uids: group, in: plan.folder)) { a, _ in a }
            } catch {
                // The batch is an optimisation: whatever it did not deliver is fetched one by
                // one below, and a real outage will surface there.
                logger.info("batch fetch failed; fetching singly", metadata: ["error": "\(error.kind)"])
            }
        }
        if plan.batchMode {
            let wanted = plan.uids.filter { !plan.headerOnly.contains($0) }.count
            condition.lock()
            fallbacks = wanted - batched.count
            condition.unlock()
        }
        for uid in plan.uids {
            // Stay at most one message beyond the window ahead of the poller.
            condition.lock()
            while bufferedBytes >= windowBytes && !cancelled { condition.wait() }
            let stop = cancelled
            condition.unlock()
            if stop { return }

            let result = fetch(uid, prefetched: batched.removeValue(forKey: uid))
            condition.lock()
            ready[uid] = result
            if case .success(.body(let bytes)) = result { bufferedBytes += bytes.count }
            condition.broadcast()
            condition.unlock()
            if case .failure = result { return }
        }
    }

    private var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    private func fetch(_ uid: UInt32, prefetched: [UInt8]?) -> Result<Fetched, IMAPError> {
        let headerOnly = plan.headerOnly.contains(uid)
        if let prefetched, !headerOnly { return .success(.body(prefetched)) }
        do {
            let bytes = try imap.fetch(uid: uid, in: plan.folder, uidValidity: plan.uidValidity,
                                       section: headerOnly ? "HEADER" : nil)
            return .success(.body(bytes))
        } catch {
            if error.kind == .notFound { return .success(.vanished) }
            return .failure(error)
        }
    }
}
