import Foundation
import Logging
import MailMessage
import Store

/// How far a `campaign send` has come, for the progress line.
public struct CampaignProgress: Sendable {
    /// Messages this run has dealt with, and how many it set out to.
    public var done: Int
    public var total: Int
    public var sent: Int
    public var deferred: Int
    public var failed: Int
    public var elapsed: TimeInterval
    /// Messages per minute so far.
    public var perMinute: Double {
        elapsed > 0 ? Double(done) / elapsed * 60 : 0
    }
    /// Seconds left at the pace so far (nil before the first message).
    public var remaining: TimeInterval? {
        done > 0 && elapsed > 0 ? Double(total - done) * elapsed / Double(done) : nil
    }
}

/// What one `campaign send` did, then the campaign's totals after it.
public struct CampaignSendReport: Codable, Sendable {
    public var name: String
    public var sent = 0
    public var deferred = 0
    public var failed = 0
    /// Recorded as sent without the server's final answer (see `OutboxEntry.unconfirmed`).
    public var unconfirmed = 0
    /// Copies an earlier, interrupted run left half-sent, queued again by this one.
    public var requeuedAfterInterruption = 0
    /// Deferred copies not yet due: cron's `kontakt send` or a later `campaign send` tries them.
    public var waiting = 0
    /// True when Ctrl-C stopped the run after the message in flight.
    public var interrupted = false
    /// Why the run ended early, when it did.
    public var stop: SendSummary.Stop?
    public var elapsed: TimeInterval = 0
    public var status: CampaignStatus?

    /// 75 when time alone fixes it (server away, daily limit, deferrals), 1 when any recipient failed.
    public var exitError: KontaktError? {
        if let stop { return stop.temporary ? .temporary(stop.reason) : .failed(stop.reason) }
        let failed = status?.failed ?? failed
        if failed > 0 {
            return .failed("\(failed) recipient\(failed == 1 ? "" : "s") failed; see `kontakt campaign status \(name)`, fix what it says, then `kontakt campaign retry \(name)`")
        }
        if interrupted { return .temporary("interrupted; `kontakt campaign send \(name)` sends the rest") }
        let pending = (status?.deferred ?? 0) + (status?.queued ?? 0)
        if pending > 0 {
            return .temporary("\(pending) recipient\(pending == 1 ? "" : "s") not sent yet (deferred by the server or waiting); cron's `kontakt send` or `kontakt campaign send \(name)` tries again")
        }
        return nil
    }
}

/// Sends a campaign: one personal message per recipient, queued and sent one at a time
/// through the outbox.
///
/// ## Why one at a time, and why this makes resuming safe
/// Each recipient's copy is queued (`Outbox.enqueue` of a spec, plus the recipient's link to
/// the entry, in one transaction) just before it is sent, then sent with `Outbox.send(ids:)`,
/// which commits every step of the SMTP exchange. So after Ctrl-C, `kill -9` or a server
/// outage at any instant a recipient is in exactly one of these situations, and the next
/// `campaign send` does the right thing:
/// - no outbox entry yet → queued and sent now;
/// - an entry that never reached the end of DATA → the outbox resends it (the server kept nothing);
/// - an entry whose last byte was handed over → recorded sent-unconfirmed, not sent again;
/// - an entry the server accepted → already `sent`, skipped.
/// The unique Message-ID per recipient (the schema's UNIQUE on `outbox.messageID`) makes a
/// second entry for the same person impossible even if two runs raced.
///
/// Queueing just-in-time (rather than all 400 up front) also keeps cron's `kontakt send` from
/// sending the campaign at its own pace underneath this run's progress and rate, while it
/// still finishes anything this run leaves queued or deferred.
/// Every message takes the send lock for itself, so replies sent by cron are not held up for
/// the length of a campaign.
public final class CampaignSender {
    let campaigns: Campaigns
    let outbox: Outbox
    let messagesPerDay: Int?
    let configuredPerMinute: Int?
    var clock: () -> Date = { Date() }
    var pause: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }

    public convenience init(config: KontaktConfig, store: Store, logger: Logger) {
        self.init(campaigns: Campaigns(config: config, store: store, logger: logger),
                  outbox: Outbox(config: config, store: store, logger: logger))
    }

    init(campaigns: Campaigns, outbox: Outbox) {
        self.campaigns = campaigns
        self.outbox = outbox
        messagesPerDay = campaigns.config.smtp?.messagesPerDay
        configuredPerMinute = campaigns.config.smtp?.messagesPerMinute
    }

    /// Sends every recipient of `name` not sent yet.
    ///
    /// - Parameter perMinute: `--rate`; never above `[smtp] messages_per_minute`.
    /// - Parameter shouldStop: asked before each message (Ctrl-C sets it); the message in flight finishes.
    public func send(name: String, perMinute requested: Double? = nil,
                     progress: (CampaignProgress) -> Void = { _ in },
                     shouldStop: () -> Bool = { false }) throws(KontaktError) -> CampaignSendReport {
        let started = clock()
        let campaign = try campaigns.campaign(named: name)
        let campaignId = campaign.id!
        let attachments = CampaignAttachment.decodeList(campaign.attachments)
        let changed = attachments.compactMap { $0.verify() }
        guard changed.isEmpty else {
            throw KontaktError.invalid("nothing sent: " + changed.map(\.description).joined(separator: "; "))
        }
        let template: MailTemplate
        do { template = try TemplateLibrary(directory: campaigns.config.templatesDirectory).template(named: campaign.template) } catch {
            throw KontaktError.invalid("nothing sent: \(error)")
        }

        var report = CampaignSendReport(name: campaign.name)
        // Resolve what a killed run left in `sending` (under the send lock), before choosing who is left.
        let recovery = try withBusyRetry { () throws(KontaktError) in try outbox.send(ids: []) }
        report.requeuedAfterInterruption = recovery.requeuedAfterInterruption
        report.unconfirmed = recovery.unconfirmed
        try campaigns.reconcile(campaignId: campaignId)

        let (recipients, entries) = try campaigns.read { tx in
            (try tx.campaignRecipients(campaignId: campaignId),
             Dictionary(uniqueKeysWithValues: try tx.campaignOutboxEntries(campaignId: campaignId).map { ($0.id!, $0) }))
        }
        // The template may have been edited since `create`: it must still fit the stored columns.
        if let first = recipients.first {
            let known = Campaigns.builtInVariables.union(Campaigns.decode(first.variables).keys)
            var t = template
            t.subject = campaign.subject
            do { try t.validate(knownVariables: known) } catch { throw KontaktError.invalid("nothing sent: \(error)") }
        }
        let now = clock()
        var work: [CampaignRecipientRecord] = []
        for r in recipients {
            guard let outboxId = r.outboxId else {
                if r.state == .queued { work.append(r) }
                continue
            }
            guard let entry = entries[outboxId] else { continue }
            switch entry.state {
            case .queued: work.append(r)
            case .deferred: if entry.nextAttemptAt <= now { work.append(r) } else { report.waiting += 1 }
            default: break
            }
        }

        let perMinute = Self.effectiveRate(requested: requested, configured: configuredPerMinute)
        var lastStart: Date?
        var done = 0
        for r in work {
            if shouldStop() { report.interrupted = true; break }
            if let perDay = messagesPerDay, perDay > 0 {
                let since = clock().addingTimeInterval(-86_400)
                if try campaigns.read({ tx in try tx.sentOutboxCount(since: since) }) >= perDay {
                    report.stop = SendSummary.Stop(temporary: true, reason: "[smtp] messages_per_day (\(perDay)) reached; `kontakt campaign send \(name)` tomorrow sends the rest")
                    break
                }
            }
            if let perMinute, let lastStart {
                let wait = 60 / perMinute - clock().timeIntervalSince(lastStart)
                if wait > 0 { pause(wait) }
            }
            lastStart = clock()

            let outboxId: Int64
            if let existing = r.outboxId {
                outboxId = existing
            } else {
                outboxId = try queue(r, campaign: campaign, template: template, attachments: attachments)
            }
            let summary = try withBusyRetry { () throws(KontaktError) in try outbox.send(ids: [outboxId]) }
            report.sent += summary.sent
            report.deferred += summary.deferred
            report.failed += summary.failed
            report.unconfirmed += summary.unconfirmed
            report.requeuedAfterInterruption += summary.requeuedAfterInterruption
            try campaigns.reconcile(campaignId: campaignId, only: [r.id!])
            done += 1
            progress(CampaignProgress(done: done, total: work.count, sent: report.sent, deferred: report.deferred,
                                      failed: report.failed, elapsed: clock().timeIntervalSince(started)))
            if let stop = summary.stop {
                report.stop = stop
                break
            }
        }
        try campaigns.reconcile(campaignId: campaignId)
        report.elapsed = clock().timeIntervalSince(started)
        report.status = try campaigns.status(name: name)
        campaigns.logger.info("campaign send", metadata: ["sent": "\(report.sent)", "deferred": "\(report.deferred)",
                                                          "failed": "\(report.failed)", "interrupted": "\(report.interrupted)"])
        return report
    }

    /// Queues `recipient`'s copy and links it, in one transaction.
    private func queue(_ recipient: CampaignRecipientRecord, campaign: CampaignRecord, template: MailTemplate,
                       attachments: [CampaignAttachment]) throws(KontaktError) -> Int64 {
        let now = clock()
        let config = campaigns.config
        let spec: OutgoingSpec
        do {
            spec = try CampaignMessage.spec(template: template, campaign: campaign, recipient: recipient, attachments: attachments,
                                            values: campaigns.values(for: recipient.name, email: recipient.email,
                                                                     variables: Campaigns.decode(recipient.variables)),
                                            identity: config.identity, now: now)
        } catch let error as KontaktError { throw error } catch {
            throw KontaktError.invalid("cannot build the message for line \(recipient.line): \(error)")
        }
        return try campaigns.write { tx in
            let entry = try Outbox.enqueue(spec, kind: .campaign, recipients: [recipient.email], campaignId: campaign.id!,
                                           createdBy: "campaign", in: tx, now: now)
            guard try tx.linkCampaignRecipient(id: recipient.id!, outboxId: entry.id!, at: now) else {
                throw KontaktError.failed("recipient on line \(recipient.line) already has a queued copy; nothing was queued twice — run `campaign send` again")
            }
            return entry.id!
        }
    }

    /// `--rate` capped by the provider's limit; nil means as fast as the server takes them.
    static func effectiveRate(requested: Double?, configured: Int?) -> Double? {
        let limits = [requested, configured.map(Double.init)].compactMap { $0 }.filter { $0 > 0 }
        return limits.min()
    }

    /// Another send (cron's) holds the lock for a moment: wait for it, up to two minutes.
    private func withBusyRetry<T>(_ body: () throws(KontaktError) -> T) throws(KontaktError) -> T {
        var waited = 0
        while true {
            do { return try body() } catch {
                guard case .busy = error, waited < 120 else { throw error }
                pause(1)
                waited += 1
            }
        }
    }
}
