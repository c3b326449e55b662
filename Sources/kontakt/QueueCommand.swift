import ArgumentParser
import Foundation
import KontaktCore
import Routing
import Store

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "List the conversations waiting for an answer, grouped by topic, oldest first.",
        discussion: """
            Examples:
              kontakt queue
              kontakt queue --topic material
              kontakt queue --all --json
              kontakt queue --snoozed
              kontakt queue --quarantine
              kontakt queue --robots

            Conversations resting until a date (`kontakt snooze`) are left out and counted below the list; --snoozed lists them, --all includes them.

            Flags after the subject: ? the last message joined on weak evidence (check it belongs), @ attachments, [answered]/[closed] with --all, [vilar till DATE] for a resting one.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this topic (e.g. material, utvardering, osorterad).") var topic: String?
    @Flag(help: "Include answered, closed and resting conversations.") var all = false
    @Flag(help: "List the conversations resting until a date (see `kontakt snooze`).") var snoozed = false
    @Flag(help: "List quarantined messages instead (see `kontakt inspect` and `kontakt replay`).") var quarantine = false
    @Flag(help: "List automatic replies, bounces and list mail instead (never in the queue).") var robots = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let config = try global.load()
            let store = try global.openStore(config)
            if quarantine {
                let messages = try store.read { tx in try tx.messages(inState: .quarantined) }
                let items = messages.map { QuarantineItem(id: $0.id ?? 0, receivedAt: $0.receivedAt, size: $0.size, defects: $0.defectList) }
                if json { print(try JSONOutput.string(items)); return }
                if items.isEmpty { print("No quarantined messages."); return }
                for item in items {
                    print("\(item.id)  \(QueueFormat.age(item.receivedAt))  \(item.size) bytes  \(item.defects.joined(separator: "; "))")
                }
                return
            }
            if robots {
                let messages = try store.read { tx in try tx.robotMessages() }
                let items = messages.map(RobotItem.init)
                if json { print(try JSONOutput.string(items)); return }
                if items.isEmpty { print("Inga autosvar eller studsar. (No automatic replies or bounces.)"); return }
                for item in items {
                    print(QueueFormat.pad("\(item.id)", 6) + QueueFormat.pad(QueueFormat.age(item.receivedAt), 5)
                          + QueueFormat.pad(item.kind, 11) + QueueFormat.pad(String(item.from.prefix(30)), 31)
                          + String(item.subject.prefix(50)) + (item.detail.map { "  (\($0.prefix(80)))" } ?? ""))
                }
                return
            }
            let catalog = try Router.topicCatalog(config: config)
            let statuses: [ConversationRecord.Status] = all ? [.open, .answered, .closed] : [.open]
            let now = Date()
            let rest: StoreTransaction.Rest = all ? .any : snoozed ? .resting(at: now) : .awake(at: now)
            // The director reads topics in the catalog's order (the day, the four seminars, material,
            // evaluation, other), then osorterad; within a topic the store's order, oldest first.
            let order = Dictionary(uniqueKeysWithValues: (catalog.ids + [TopicCatalog.unsorted]).enumerated().map { ($1, $0) })
            let rows = try store.read { tx in try tx.queue(statuses: statuses, topic: topic, rest: rest) }
                .enumerated()
                .sorted { (order[$0.element.conversation.topic] ?? .max, $0.offset) < (order[$1.element.conversation.topic] ?? .max, $1.offset) }
                .map(\.element)
            if json {
                print(try JSONOutput.string(rows.map { QueueItem($0, catalog: catalog) }))
                return
            }
            print(QueueFormat.render(rows, catalog: catalog, colour: Terminal.colour))
            if case .awake = rest {
                let resting = try store.read { tx in try tx.queue(statuses: [.open], topic: topic, rest: .resting(at: now)) }.count
                if resting > 0 { print("\n\(resting) vilar till senare (resting): kontakt queue --snoozed") }
            }
        }
    }
}

/// One automatic message in `--robots`.
struct RobotItem: Encodable {
    var id: Int64
    var receivedAt: Date
    var kind: String
    var from: String
    var subject: String
    var detail: String?

    init(_ m: MessageRecord) {
        id = m.id ?? 0
        receivedAt = m.receivedAt
        kind = m.robotKind ?? "robot"
        from = m.fromAddress
        subject = m.subject
        detail = m.robotDetail
    }

    enum CodingKeys: String, CodingKey { case id, kind, from, subject, detail, receivedAt = "received_at" }
}

struct QuarantineItem: Encodable {
    var id: Int64
    var receivedAt: Date
    var size: Int
    var defects: [String]
    enum CodingKeys: String, CodingKey { case id, receivedAt = "received_at", size, defects }
}

/// One queue line in `--json`: stable field names for scripts.
struct QueueItem: Encodable {
    var id: Int64
    var topic: String
    var topicTitle: String
    var status: String
    var subject: String
    var from: String
    var name: String?
    var senderKind: String
    var messages: Int
    var attachments: Int
    var lastAt: Date
    var weakMatch: String?
    var confidence: Double
    var snoozedUntil: Date?

    init(_ row: QueueRow, catalog: TopicCatalog) {
        let c = row.conversation
        id = c.id ?? 0
        topic = c.topic
        topicTitle = catalog.title(for: c.topic)
        status = c.status.rawValue
        subject = c.subject
        from = c.contactAddress
        name = c.contactName
        senderKind = c.senderKind
        messages = row.messageCount
        attachments = row.attachmentCount
        lastAt = row.lastInboundAt ?? c.lastActivityAt
        weakMatch = c.weakMatch
        confidence = c.confidence
        snoozedUntil = c.snoozedUntil
    }

    enum CodingKeys: String, CodingKey {
        case id, topic, status, subject, from, name, messages, attachments, confidence
        case topicTitle = "topic_title", senderKind = "sender_kind", lastAt = "last_at", weakMatch = "weak_match"
        case snoozedUntil = "snoozed_until"
    }
}

/// The queue as the director reads it in a terminal.
enum QueueFormat {
    static func render(_ rows: [QueueRow], catalog: TopicCatalog, colour: Bool) -> String {
        if rows.isEmpty { return "Inga ärenden väntar. (No conversations waiting.)" }
        var out: [String] = []
        var currentTopic: String?
        for row in rows {
            let c = row.conversation
            if c.topic != currentTopic {
                currentTopic = c.topic
                let count = rows.filter { $0.conversation.topic == c.topic }.count
                let heading = "\(catalog.title(for: c.topic)) [\(c.topic)] (\(count))"
                if !out.isEmpty { out.append("") }
                out.append(colour ? "\u{1B}[1m\(heading)\u{1B}[0m" : heading)
            }
            var flags = ""
            if c.weakMatch != nil { flags += colour ? " \u{1B}[33m?\u{1B}[0m" : " ?" }
            if row.attachmentCount > 0 { flags += " @" }
            if c.status != .open { flags += " [\(c.status.rawValue)]" }
            if c.status == .open, c.isResting(at: Date()), let until = c.snoozedUntil { flags += " [vilar till \(DateText.short(until))]" }
            let who = (c.contactName?.isEmpty == false ? c.contactName! : c.contactAddress)
            let line = "  " + pad("#\(c.id ?? 0)", 6) + pad(age(row.lastInboundAt ?? c.createdAt), 5)
                + pad(String(who.prefix(24)), 25) + pad(c.senderKind, 10) + pad("\(row.messageCount)", 3)
                + String(c.subject.prefix(60)) + flags
            out.append(line)
        }
        return out.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    static func age(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, now.timeIntervalSince(date))
        if seconds < 3600 { return "\(Int(seconds / 60))m" }
        if seconds < 86400 { return "\(Int(seconds / 3600))h" }
        return "\(Int(seconds / 86400))d"
    }
}
