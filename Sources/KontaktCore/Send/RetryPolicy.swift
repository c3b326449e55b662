import Foundation

/// When a deferred message is tried again, and when we stop trying.
///
/// Exponential backoff from one minute, doubling, capped at an hour, so a server that is down
/// for the night costs one attempt per hour per message instead of one per cron run; and a
/// ceiling of `[smtp] max_retry_hours` counted from the first deferral in a row, after which
/// the entry fails and the director sees it (Postfix's own `maximal_queue_lifetime` idea).
public struct RetryPolicy: Sendable, Equatable {
    public var firstDelay: TimeInterval
    public var maximumDelay: TimeInterval
    public var maximumAge: TimeInterval

    public init(firstDelay: TimeInterval = 60, maximumDelay: TimeInterval = 3600, maximumAge: TimeInterval = 48 * 3600) {
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.maximumAge = maximumAge
    }

    /// The wait after the `attempt`-th consecutive failure (1-based): 1, 2, 4, ... minutes, at most an hour.
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        let exponent = Double(max(0, min(attempt - 1, 30)))
        return min(maximumDelay, firstDelay * pow(2, exponent))
    }

    /// The next attempt after a temporary failure, or nil when the entry has been deferred too long.
    public func nextAttempt(afterAttempt attempt: Int, deferredSince: Date, now: Date) -> Date? {
        guard now.timeIntervalSince(deferredSince) < maximumAge else { return nil }
        return now.addingTimeInterval(delay(afterAttempt: attempt))
    }
}
