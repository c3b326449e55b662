import Foundation
import IMAP
@testable import KontaktCore
import Logging
import Testing

/// The poller's fetch pipeline against the real Dovecot: several sessions fetching side by
/// side, messages prepared on other threads, delivered to the poller in UID order.
@Suite(.enabled(if: MailStack.available))
struct BodyPrefetcherTests {
    let stack = MailStack.shared!

    /// A mailbox holding `count` messages, the UIDs to fetch and a real Ingestor to prepare them.
    func mailbox(_ count: Int) throws -> (kontakt: KontaktInstance, uids: [UInt32], validity: UInt32, ingestor: Ingestor) {
        let kontakt = try KontaktInstance(stack: stack)
        let tag = UUID().uuidString.prefix(6).lowercased()
        let messages = (0..<count).map { i in
            testMessage(from: "person\(i)@example.se", to: kontakt.address, subject: "Fråga \(i)",
                        body: "Hej! Fråga nummer \(i).", messageID: "\(tag).\(i)@test.example.se")
        }
        try stack.append(messages, user: kontakt.address)
        let imap = try stack.imap(user: kontakt.address)
        let status = try imap.status(MailboxName("INBOX"))
        let uids = try imap.uids(in: MailboxName("INBOX"), from: 1, below: status.uidNext)
        let config = try KontaktConfig.load(path: kontakt.configPath)
        let ingestor = Ingestor(router: try Router(config: config, corrections: []), config: config)
        return (kontakt, uids, status.uidValidity, ingestor)
    }

    func prefetcher(_ imap: IMAPClient, extra: [IMAPClient], uids: [UInt32], validity: UInt32, ingestor: Ingestor,
                    actions: @escaping () throws -> Int) -> BodyPrefetcher {
        // A window of one byte: the fetch threads stay a message ahead, so the poller's requests
        // for after-fetch actions reach them while there is still fetching to do.
        BodyPrefetcher(imap: imap, extraFetchers: extra,
                       plan: .init(uids: uids, folder: MailboxName("INBOX"), uidValidity: validity, headerOnly: [],
                                   batchMode: false, batchGroups: []),
                       windowBytes: 1, logger: Logger(label: "test"),
                       prepare: { [ingestor] raw in ingestor.prepare(raw) }, serverActions: actions)
    }

    /// `tag.7@test.example.se` → 7: which of the appended messages this is.
    func number(_ messageID: String) -> Int {
        Int(messageID.split(separator: "@")[0].split(separator: ".").last ?? "") ?? -1
    }

    /// Message-IDs in the order the prefetcher hands the messages over.
    func takeAll(_ prefetcher: BodyPrefetcher, _ uids: [UInt32], requestActionsAfter: Int) throws -> [String] {
        var ids: [String] = []
        for (index, uid) in uids.enumerated() {
            guard case .message(let message) = try prefetcher.take(uid) else {
                Issue.record("message \(uid) not delivered as a message")
                continue
            }
            ids.append(message.record.messageID ?? "")
            if index + 1 == requestActionsAfter { prefetcher.requestServerActions() }
        }
        return ids
    }

    @Test func twoSessionsDeliverEveryMessageOnceInUIDOrder() throws {
        let box = try mailbox(40)
        let imap = try stack.imap(user: box.kontakt.address)
        let extra = try stack.imap(user: box.kontakt.address)
        let prefetcher = prefetcher(imap, extra: [extra], uids: box.uids, validity: box.validity, ingestor: box.ingestor) { 0 }
        prefetcher.start()
        let ids = try takeAll(prefetcher, box.uids, requestActionsAfter: 0)
        prefetcher.finish()
        #expect(ids.map(number) == Array(0..<40))
    }

    /// The fetch and preparation threads yield to the committing thread: each runs five nice
    /// levels below it (`BodyPrefetcher.yieldToCommits`), and the poller's thread is untouched.
    @Test func helperThreadsRunBelowTheCommittingThread() throws {
        #if os(Linux)
        let box = try mailbox(6)
        let imap = try stack.imap(user: box.kontakt.address)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let before = getpriority(which, 0)
        let seen = LockedBox<[Int32]>([])
        let prefetcher = BodyPrefetcher(
            imap: imap, plan: .init(uids: box.uids, folder: MailboxName("INBOX"), uidValidity: box.validity, headerOnly: [],
                                    batchMode: false, batchGroups: []),
            logger: Logger(label: "test"),
            prepare: { [ingestor = box.ingestor] raw in
                seen.update { $0.append(getpriority(which, 0)) }
                return ingestor.prepare(raw)
            },
            serverActions: { 0 })
        prefetcher.start()
        let ids = try takeAll(prefetcher, box.uids, requestActionsAfter: 0)
        prefetcher.finish()
        #expect(ids.map(number) == Array(0..<6))
        #expect(seen.get().count == 6)
        #expect(seen.get().allSatisfy { $0 == min(before + 5, 19) }, "preparation ran at \(seen.get()), the poller at \(before)")
        #expect(getpriority(which, 0) == before, "the committing thread keeps its priority")
        #endif
    }

    @Test func aFailingExtraSessionHandsItsMessageBackAndThePollGoesOn() throws {
        let box = try mailbox(25)
        let imap = try stack.imap(user: box.kontakt.address)
        // Nothing listens on port 1: the extra session fails on its first fetch.
        var refused = stack.imapConnection(user: box.kontakt.address)
        refused.url = "imaps://127.0.0.1:1"
        let extra = try IMAPClient(connection: refused)
        let calls = LockedBox(0)
        let prefetcher = prefetcher(imap, extra: [extra], uids: box.uids, validity: box.validity, ingestor: box.ingestor) {
            calls.update { $0 += 1 }
            return 3
        }
        prefetcher.start()
        let ids = try takeAll(prefetcher, box.uids, requestActionsAfter: 10)
        let report = prefetcher.finish()
        #expect(ids.map(number) == Array(0..<25))
        // Asked for after the 10th message, carried out by the first session before a later fetch.
        #expect(calls.get() == 1)
        #expect(report.serverActions == 3)
    }
}

extension BodyPrefetcherTests {
    /// The extra session hangs on a server that never answers while the first session fetches
    /// ahead until the window is full; when the extra gives up, the message it hands back is the
    /// one the poller waits for, and it must be fetched although the window is full.
    @Test func aMessageHandedBackIsFetchedEvenWithTheWindowFull() throws {
        let box = try mailbox(12)
        let imap = try stack.imap(user: box.kontakt.address)
        let silent = try SilentPort()
        var hanging = stack.imapConnection(user: box.kontakt.address)
        hanging.url = "imaps://127.0.0.1:\(silent.port)"
        hanging.connectTimeout = 1
        hanging.stallTimeout = 1
        let prefetcher = prefetcher(imap, extra: [try IMAPClient(connection: hanging)], uids: box.uids,
                                    validity: box.validity, ingestor: box.ingestor) { 0 }
        prefetcher.start()
        // Taken on another thread, so a deadlock fails the test instead of hanging the run.
        let taken = LockedBox<[String]?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [self] in
            taken.set(try? takeAll(prefetcher, box.uids, requestActionsAfter: 0))
            done.signal()
        }
        let finished = done.wait(timeout: .now() + 30) == .success
        prefetcher.finish()
        if !finished { _ = done.wait(timeout: .now() + 30) }
        #expect(finished, "the poller and the fetch threads waited for each other")
        #expect(taken.get()?.map(number) == Array(0..<12))
        withExtendedLifetime(silent) {}
    }
}

/// A loopback port whose connections wait in the listen backlog forever: a server that never answers.
final class SilentPort {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, size) }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 16) == 0 else { throw StackError("cannot listen on loopback") }
        var length = size
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
