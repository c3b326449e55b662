import Foundation
import Routing
import Store

/// How the queue has gone: threads per topic and sender kind, open/answered/closed, and how
/// long people waited for a first answer (`firstAnsweredAt − createdAt`, robots excluded).
public struct QueueStatistics: Codable, Sendable {
    public struct TopicCount: Codable, Sendable {
        public var topic: String
        public var title: String
        public var open: Int
        public var answered: Int
        public var closed: Int
        public var total: Int
    }

    public struct Count: Codable, Sendable {
        public var name: String
        public var total: Int
    }

    /// Waiting times in seconds; nil when nothing has been answered yet.
    public struct FirstAnswer: Codable, Sendable {
        public var answered: Int
        public var medianSeconds: Double?
        public var p90Seconds: Double?
        enum CodingKeys: String, CodingKey { case answered, medianSeconds = "median_seconds", p90Seconds = "p90_seconds" }
    }

    public var since: Date?
    public var total: Int
    public var open: Int
    public var answered: Int
    public var closed: Int
    public var topics: [TopicCount]
    public var senderKinds: [Count]
    public var firstAnswer: FirstAnswer

    enum CodingKeys: String, CodingKey {
        case since, total, open, answered, closed, topics
        case senderKinds = "sender_kinds", firstAnswer = "first_answer"
    }

    public static func compute(store: Store, since: Date?, catalog: TopicCatalog) throws -> QueueStatistics {
        let conversations = try store.read { tx in try tx.conversations(createdSince: since) }
        return compute(conversations, since: since, catalog: catalog)
    }

    public static func compute(_ conversations: [ConversationRecord], since: Date?, catalog: TopicCatalog) -> QueueStatistics {
        func count(_ status: ConversationRecord.Status, _ list: [ConversationRecord]) -> Int {
            list.filter { $0.status == status }.count
        }
        let byTopic = Dictionary(grouping: conversations, by: \.topic)
        // The catalog's order first (the order the director reads), then pseudo-topics and strays.
        let order = catalog.ids + byTopic.keys.filter { !catalog.ids.contains($0) }.sorted()
        let topics = order.compactMap { id -> TopicCount? in
            guard let list = byTopic[id] else { return nil }
            return TopicCount(topic: id, title: catalog.title(for: id), open: count(.open, list),
                              answered: count(.answered, list), closed: count(.closed, list), total: list.count)
        }
        let kinds = Dictionary(grouping: conversations, by: \.senderKind)
            .map { Count(name: $0.key, total: $0.value.count) }
            .sorted { ($0.total, $1.name) > ($1.total, $0.name) }
        let waits = conversations.compactMap { c in c.firstAnsweredAt.map { max(0, $0.timeIntervalSince(c.createdAt)) } }
        return QueueStatistics(
            since: since, total: conversations.count, open: count(.open, conversations),
            answered: count(.answered, conversations), closed: count(.closed, conversations),
            topics: topics, senderKinds: kinds,
            firstAnswer: FirstAnswer(answered: waits.count, medianSeconds: median(waits), p90Seconds: percentile(waits, 0.9)))
    }

    /// The middle value; the mean of the two middle values for an even count.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Nearest-rank percentile: the smallest value with at least `p` of the values at or below it.
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
