import Foundation

/// What one poll may still store: `[imap] max_messages_per_poll` and `max_seconds_per_poll`.
///
/// Why a budget: the first poll of a mailbox holding years of mail can run for an hour, and
/// every cron run meanwhile exits 75. With a budget each poll stores a share and ends, the next
/// goes on from the high-water mark, and what is fetched meanwhile is committed and moved out
/// progressively. The deadline is checked after each commit group, so every folder stores at
/// least one group per poll: a long import always advances, and a folder listed after one with
/// years of mail is not starved by it.
struct PollBudget {
    private var messagesLeft: Int?
    private let deadline: Date?

    init(maxMessages: Int?, maxSeconds: Double?, startedAt: Date) {
        messagesLeft = maxMessages
        deadline = maxSeconds.map { startedAt.addingTimeInterval($0) }
    }

    /// How many of `wanted` new messages this poll may fetch from a folder; they are counted
    /// as spent until `giveBack` returns what was not stored.
    mutating func take(_ wanted: Int) -> Int {
        let granted = min(wanted, messagesLeft ?? wanted)
        messagesLeft = messagesLeft.map { $0 - granted }
        return granted
    }

    /// Returns messages taken and then left unfetched when the poll ran out of time.
    mutating func giveBack(_ count: Int) {
        messagesLeft = messagesLeft.map { $0 + count }
    }

    /// Whether the poll should stop committing (messages it has taken but not fetched yet are
    /// left for the next poll).
    func isOverTime(at now: Date) -> Bool {
        guard let deadline else { return false }
        return now >= deadline
    }
}
