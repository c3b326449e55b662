import Foundation
import Logging
import Store

/// How long closed conversations keep their personal data: `365d`, `12w`, `6m`, `1y`.
///
/// Months and years are calendar months and years (the way a records schedule is written),
/// not 30 or 365 days.
public struct RetentionPeriod: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: Character, Sendable { case day = "d", week = "w", month = "m", year = "y" }
    public var amount: Int
    public var unit: Unit

    public init(amount: Int, unit: Unit) {
        self.amount = amount
        self.unit = unit
    }

    public static func days(_ n: Int) -> RetentionPeriod { RetentionPeriod(amount: n, unit: .day) }

    public static func parse(_ text: String) throws(KontaktError) -> RetentionPeriod {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = t.last, let unit = Unit(rawValue: last), let n = Int(t.dropLast()), n > 0 else {
            throw KontaktError.invalid("\(text): not a duration — write a positive number and d, w, m or y (365d, 12w, 6m, 1y)")
        }
        return RetentionPeriod(amount: n, unit: unit)
    }

    /// The moment `now` minus this period: conversations closed before it are purged.
    public func cutoff(before now: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var c = DateComponents()
        switch unit {
        case .day: c.day = -amount
        case .week: c.day = -7 * amount
        case .month: c.month = -amount
        case .year: c.year = -amount
        }
        return calendar.date(byAdding: c, to: now) ?? now
    }

    public var description: String { "\(amount)\(unit.rawValue)" }
}

/// The result of `kontakt purge`.
public struct PurgeSummary: Codable, Sendable {
    public var cutoff: Date
    public var retention: String
    public var dryRun: Bool
    public var removed: PurgeCounts
}

/// Removes the personal data of closed conversations past the retention period, keeping the
/// anonymous rows that statistics count.
///
/// Why anonymise instead of delete: a municipality must both delete personal data it no
/// longer needs (GDPR art. 5.1e) and be able to report how many inquiries of each kind it
/// handled and how fast. The conversation row keeps topic, sender kind, language and its
/// created / answered / closed dates; everything that identifies a person goes.
public struct Purger {
    let store: Store
    let logger: Logger

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func run(retention: RetentionPeriod, dryRun: Bool, now: Date = Date()) throws(KontaktError) -> PurgeSummary {
        let cutoff = retention.cutoff(before: now)
        do {
            let (ids, pending, robots) = try store.read { tx in
                let candidates = try tx.purgeCandidates(closedBefore: cutoff)
                return (candidates.ids, candidates.pending, try tx.unthreadedRobotMessages(receivedBefore: cutoff))
            }
            var counts = try store.read { tx in try tx.purgeCounts(conversations: ids, robotMessages: robots) }
            counts.skippedWithPendingOutbox = pending.count
            if !pending.isEmpty {
                logger.warning("closed conversations with mail still to send were not purged", metadata: ["count": "\(pending.count)"])
            }
            if !dryRun, !(ids.isEmpty && robots.isEmpty) {
                // One transaction per batch of conversations: a purge of years of mail neither holds
                // the write lock for minutes nor leaves a half-anonymised conversation behind.
                for start in stride(from: 0, to: ids.count, by: 200) {
                    let batch = Array(ids[start..<min(start + 200, ids.count)])
                    try store.write { tx in
                        for id in batch { try tx.purgeConversation(id: id, at: now) }
                    }
                }
                try store.write { tx in try tx.anonymiseMessages(robots, at: now) }
                try store.compact()
                logger.info("purged", metadata: ["conversations": "\(ids.count)", "robotMessages": "\(robots.count)"])
            }
            return PurgeSummary(cutoff: cutoff, retention: retention.description, dryRun: dryRun, removed: counts)
        } catch let error as KontaktError {
            throw error
        } catch {
            throw KontaktError.failed("purge failed: \(error) — nothing after the last committed batch was changed; run it again")
        }
    }
}
