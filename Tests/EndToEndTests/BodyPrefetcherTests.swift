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

    @Test func aFailingExtraSessionHandsItsMessageBackAndThePollGoesOn() throws {
        let box = try mailbox(25)
        let imap = try stack.imap(user: box.kontakt.address)
        // Nothing listens on port 1: the extra session fails on its first fetch.
        var refused = stack.imapConnection(user: box.kontakt.address)
        refused.url = "imaps://127.0.0.1:1"
        let extra = try IMAPClient(connection: refused)
        let calls = Counter()
        let prefetcher = prefetcher(imap, extra: [extra], uids: box.uids, validity: box.validity, ingestor: box.ingestor) {
            calls.add()
            return 3
        }
        prefetcher.start()
        let ids = try takeAll(prefetcher, box.uids, requestActionsAfter: 10)
        let report = prefetcher.finish()
        #expect(ids.map(number) == Array(0..<25))
        // Asked for after the 10th message, carried out by the first session before a later fetch.
        #expect(calls.value == 1)
        #expect(report.serverActions == 3)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
