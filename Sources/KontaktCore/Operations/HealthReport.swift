import Foundation
import Store

/// Kontakt's state as an unattended installation reports it: what ran last, what waits, and
/// the problems a human must look at.
///
/// `problems` is the contract with monitoring: empty means healthy, and each entry is one
/// line that says what is wrong and what to do, so cron's mail or a Nagios-style check can
/// show it as is.
public struct HealthReport: Codable, Sendable {
    public struct Poll: Codable, Sendable {
        public var startedAt: Date
        public var ok: Bool
        public var error: String?
        /// New messages this poll's budget left for the next one (an import under way).
        public var remaining: Int
    }

    public struct Outbox: Codable, Sendable {
        public var queued: Int
        public var deferred: Int
        public var failed: Int
        public var oldestDeferredAt: Date?
    }

    public struct ServerActions: Codable, Sendable {
        /// After-fetch moves or flags that failed at least `threshold` times.
        public var failing: Int
        public var maxAttempts: Int
        public var lastError: String?
    }

    public var generatedAt: Date
    public var lastPoll: Poll?
    public var lastSuccessfulPollAt: Date?
    public var maxPollAgeMinutes: Int
    public var lastSentAt: Date?
    public var openConversations: Int
    public var oldestWaitingConversationId: Int64?
    public var oldestWaitingSince: Date?
    public var outbox: Outbox
    public var quarantined: Int
    public var oversize: Int
    public var campaigns: [CampaignBacklog]
    public var serverActions: ServerActions
    /// The CA file's certificate, when `[tls] ca_file` is set and readable.
    public var caCertificate: CertificateValidity?
    /// When the IMAP server's own certificate expires, as the last poll saw it.
    public var imapCertificateExpiresAt: Date?
    public var problems: [String]

    public var isHealthy: Bool { problems.isEmpty }
}

/// Builds the `HealthReport` from the store's facts and the config's thresholds.
public struct HealthCheck {
    public let config: KontaktConfig
    /// Failed attempts after which an after-fetch action counts as "keeps failing".
    public var serverActionFailureThreshold = 3
    /// A CA or IMAP server certificate closer than this to expiry is a problem.
    public var certificateWarningDays = CertificateValidity.warningDays

    public init(config: KontaktConfig) { self.config = config }

    public func report(store: Store, now: Date = Date()) throws(KontaktError) -> HealthReport {
        let facts: HealthFacts
        do {
            facts = try store.read { tx in try tx.healthFacts(serverActionFailureThreshold: serverActionFailureThreshold) }
        } catch {
            throw KontaktError.failed("cannot read the store: \(error)")
        }
        let certificate = config.tls.caFile.flatMap { CertificateValidity.read(path: $0) }
        return report(facts: facts, certificate: certificate, now: now)
    }

    /// The pure part: facts in, report and problems out.
    public func report(facts: HealthFacts, certificate: CertificateValidity?, now: Date) -> HealthReport {
        var problems: [String] = []
        let maxAge = TimeInterval(config.healthMaxPollAgeMinutes * 60)
        if let success = facts.lastSuccessfulPoll {
            let age = now.timeIntervalSince(success.finishedAt ?? success.startedAt)
            if age > maxAge {
                var line = "no successful poll for \(Self.duration(age)) (limit [health] max_poll_age_minutes = \(config.healthMaxPollAgeMinutes))"
                if let last = facts.lastPoll, !last.ok, let error = last.error { line += "; last error: \(error)" }
                problems.append(line + " — run `kontakt check`")
            }
        } else {
            var line = "no successful poll yet"
            if let last = facts.lastPoll, let error = last.error { line += "; last error: \(error)" }
            problems.append(line + " — run `kontakt check`, then `kontakt poll`")
        }
        let failed = facts.outboxCounts[.failed] ?? 0
        if failed > 0 {
            problems.append("\(failed) outgoing message\(failed == 1 ? "" : "s") failed — see the outbox and send again or cancel")
        }
        if facts.quarantined > 0 {
            problems.append("\(facts.quarantined) quarantined message\(facts.quarantined == 1 ? "" : "s") — see `kontakt queue --quarantine`")
        }
        if !facts.failingServerActions.isEmpty {
            problems.append("\(facts.failingServerActions.count) after-fetch server action\(facts.failingServerActions.count == 1 ? "" : "s") "
                            + "failed \(serverActionFailureThreshold)+ times — check [imap] processed_folder and the account's rights")
        }
        if let certificate {
            let days = certificate.daysLeft(now: now)
            if days < 0 {
                problems.append("the CA certificate in [tls] ca_file expired \(-days) days ago — install a new one")
            } else if days < certificateWarningDays {
                problems.append("the CA certificate in [tls] ca_file expires in \(days) days — install a new one")
            }
        }
        if let notAfter = facts.imapCertificateNotAfter {
            // Providers renew well ahead; a certificate this close to its end was forgotten, and
            // when it lapses every poll fails on certificate verification.
            let days = CertificateValidity.daysLeft(until: notAfter, now: now)
            if days < 0 {
                problems.append("the IMAP server's certificate expired \(-days) days ago — polls fail until the server's administrator renews it")
            } else if days < certificateWarningDays {
                problems.append("the IMAP server's certificate expires in \(days) days — tell the server's administrator")
            }
        }
        return HealthReport(
            generatedAt: now,
            lastPoll: facts.lastPoll.map { HealthReport.Poll(startedAt: $0.startedAt, ok: $0.ok, error: $0.error, remaining: $0.remaining) },
            lastSuccessfulPollAt: facts.lastSuccessfulPoll.map { $0.finishedAt ?? $0.startedAt },
            maxPollAgeMinutes: config.healthMaxPollAgeMinutes,
            lastSentAt: facts.lastSentAt,
            openConversations: facts.openConversations,
            oldestWaitingConversationId: facts.oldestWaitingConversationId,
            oldestWaitingSince: facts.oldestWaitingSince,
            outbox: .init(queued: facts.outboxCounts[.queued] ?? 0, deferred: facts.outboxCounts[.deferred] ?? 0,
                          failed: failed, oldestDeferredAt: facts.oldestDeferredAt),
            quarantined: facts.quarantined, oversize: facts.oversize,
            campaigns: facts.campaignBacklogs,
            serverActions: .init(failing: facts.failingServerActions.count,
                                 maxAttempts: facts.failingServerActions.map(\.attempts).max() ?? 0,
                                 lastError: facts.failingServerActions.first?.lastError),
            caCertificate: certificate, imapCertificateExpiresAt: facts.imapCertificateNotAfter, problems: problems)
    }

    /// "3d 4h", "2h 5m", "12m": an age a human reads at a glance.
    public static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(max(0, seconds))
        let days = s / 86400, hours = (s % 86400) / 3600, minutes = (s % 3600) / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return "\(minutes)m"
    }
}
