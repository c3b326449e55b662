import Foundation
import Logging
import MailMessage
import Routing
import Store

/// Bulk mailings to the managers: the seminar material, the evaluation request.
///
/// A campaign is a template, a recipient list and fixed attachments. `create` checks all of
/// it and stores it (nothing is queued yet); `CampaignSender` queues and sends one personal
/// message per recipient through the outbox; `status` reads what happened to each copy. The
/// outbox is the truth about delivery: a recipient's state is re-read from their outbox entry
/// (`reconcile`) whenever a campaign is shown, so it is right whoever sent the entry — this
/// command, cron's `kontakt send`, or a `retry`. Only a bounce, which arrives later by mail, is
/// written to the recipient directly (by `BounceLinker` in the poller).
public final class Campaigns {
    let config: KontaktConfig
    let store: Store
    let logger: Logger
    var clock: () -> Date = { Date() }

    public init(config: KontaktConfig, store: Store, logger: Logger) {
        self.config = config
        self.store = store
        self.logger = logger
    }

    /// Variables every campaign template may use besides the list's columns.
    public static let builtInVariables: Set<String> = ["name", "email", "signature", "sender_name", "sender_address"]

    // MARK: - Create

    public struct CreateRequest: Sendable {
        public var name: String
        public var recipientsFile: String
        public var template: String
        public var attachments: [String] = []
        public var subject: String?
        public var topic: String?

        public init(name: String, recipientsFile: String, template: String, attachments: [String] = [],
                    subject: String? = nil, topic: String? = nil) {
            self.name = name
            self.recipientsFile = recipientsFile
            self.template = template
            self.attachments = attachments
            self.subject = subject
            self.topic = topic
        }
    }

    /// What `create` stored (or, with `dryRun`, would store).
    public struct Created: Codable, Sendable {
        public var name: String
        public var template: String
        public var subject: String
        public var topic: String?
        public var recipients: Int
        public var columns: [String]
        public var attachments: [CampaignAttachment]
        /// Attachment bytes for the whole campaign (recipients × attachments), before encoding.
        public var totalAttachmentBytes: Int64
        public var warnings: [String]
        public var stored: Bool
    }

    /// Checks everything — list, template, attachments, name, topic — and stores the campaign
    /// with its recipients in one transaction. Throws `CampaignInvalid` listing every problem
    /// (nothing stored), or `KontaktError` when the store itself fails.
    public func create(_ request: CreateRequest, dryRun: Bool = false) throws -> Created {
        var problems: [CampaignProblem] = []
        let name = request.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 100 || name.contains(where: { $0.isNewline || $0 == "\t" }) {
            problems.append(CampaignProblem(file: "NAME", line: nil, message: "a campaign name is one line of 1–100 characters, e.g. material-2026"))
        } else if try read({ tx in try tx.campaign(named: name) }) != nil {
            problems.append(CampaignProblem(file: "NAME", line: nil, message: "a campaign named \"\(name)\" exists already; see `kontakt campaign status \(name)`, or choose another name"))
        }

        let list = RecipientList.read(file: request.recipientsFile)
        problems += list.problems
        var warnings = list.warnings.map { "\(request.recipientsFile): \($0)" }

        var template: MailTemplate?
        do {
            template = try TemplateLibrary(directory: config.templatesDirectory).template(named: request.template)
        } catch {
            problems.append(CampaignProblem(file: error.file, line: error.line, message: error.message))
        }
        var subject = request.subject ?? template?.subject
        if let s = subject, s.trimmingCharacters(in: .whitespaces).isEmpty || s.contains(where: \.isNewline) {
            problems.append(CampaignProblem(file: "--subject", line: nil, message: "the subject must be one non-empty line"))
            subject = nil
        } else if subject == nil, let template {
            problems.append(CampaignProblem(file: template.file, line: 1, message: "the template has no \"Subject:\" line; pass --subject"))
        }

        if var template, !list.columns.isEmpty {
            template.subject = subject
            problems += Self.templateProblems(template, subjectFromCommandLine: request.subject != nil, list: list)
            if problems.isEmpty {
                // Render every message once now, so nothing can fail half-way through a send.
                for r in list.recipients {
                    do { _ = try template.render(values(for: r.name, email: r.email, variables: r.variables)) } catch {
                        problems.append(CampaignProblem(file: error.file, line: error.line, message: error.message))
                        break
                    }
                }
            }
        }

        var attachments: [CampaignAttachment] = []
        for path in request.attachments {
            switch CampaignAttachment.fingerprint(path: path) {
            case .success(let a):
                if attachments.contains(where: { $0.path == a.path }) {
                    problems.append(CampaignProblem(file: path, line: nil, message: "the same file is attached twice"))
                } else {
                    attachments.append(a)
                }
            case .failure(let problem): problems.append(problem)
            }
        }

        if let topic = request.topic {
            let catalog = try Router.loadCatalog(config.routing.topicsFile)
            if catalog.topic(id: topic) == nil {
                problems.append(CampaignProblem(file: "--topic", line: nil, message: "no topic \"\(topic)\"; known: \(catalog.ids.joined(separator: ", "))"))
            }
        }
        guard problems.isEmpty, let template, let subject else { throw CampaignInvalid(problems: problems) }

        let perMessage = attachments.reduce(Int64(0)) { $0 + $1.size }
        let total = perMessage * Int64(list.recipients.count)
        warnings += Self.sizeAndLimitWarnings(recipients: list.recipients.count, attachmentBytesPerMessage: perMessage, smtp: config.smtp)

        let created = Created(name: name, template: template.name, subject: subject, topic: request.topic,
                              recipients: list.recipients.count, columns: list.columns, attachments: attachments,
                              totalAttachmentBytes: total, warnings: warnings, stored: !dryRun)
        guard !dryRun else { return created }

        let now = clock()
        let record = CampaignRecord(name: name, template: template.name, subject: subject, topic: request.topic,
                                    attachments: CampaignAttachment.encodeList(attachments), createdAt: now)
        var tokens = Set<String>()
        let rows = list.recipients.map { r -> CampaignRecipientRecord in
            var token = Self.makeToken()
            while !tokens.insert(token).inserted { token = Self.makeToken() }
            return CampaignRecipientRecord(campaignId: 0, email: r.email, name: r.name, variables: Self.encode(r.variables),
                                           line: r.line, token: token, at: now)
        }
        try write { tx in
            guard try tx.campaign(named: name) == nil else {
                throw KontaktError.invalid("a campaign named \"\(name)\" was created meanwhile; choose another name")
            }
            _ = try tx.insertCampaign(record, recipients: rows)
        }
        logger.info("campaign created", metadata: ["recipients": "\(rows.count)", "attachments": "\(attachments.count)"])
        return created
    }

    /// Unknown variables (with the template line) and empty values the template needs (with the list line).
    static func templateProblems(_ template: MailTemplate, subjectFromCommandLine: Bool, list: RecipientList) -> [CampaignProblem] {
        var problems: [CampaignProblem] = []
        let known = builtInVariables.union(list.columns)
        var uses: [(name: String, file: String, line: Int?)] = []
        if let subject = template.subject {
            uses += MailTemplate.tags(in: subject, firstLine: 1)
                .map { ($0.name, subjectFromCommandLine ? "--subject" : template.file, subjectFromCommandLine ? nil : 1) }
        }
        uses += MailTemplate.tags(in: template.body, firstLine: template.bodyLine).map { ($0.name, template.file, $0.line) }
        var used: [String] = []
        for use in uses {
            if !known.contains(use.name) {
                problems.append(CampaignProblem(file: use.file, line: use.line,
                                                message: "unknown variable {{\(use.name)}}: the list has no such column (columns: \(list.columns.joined(separator: ", ")); also \(builtInVariables.subtracting(list.columns).sorted().joined(separator: ", ")))"))
            } else if !builtInVariables.contains(use.name), !used.contains(use.name) {
                used.append(use.name)
            }
        }
        for r in list.recipients {
            for column in used where (r.variables[column] ?? "").isEmpty {
                problems.append(CampaignProblem(file: list.file, line: r.line, message: "the \(column) column is empty, and the template uses {{\(column)}}"))
            }
        }
        return problems
    }

    static func sizeAndLimitWarnings(recipients: Int, attachmentBytesPerMessage: Int64, smtp: KontaktConfig.SMTP?) -> [String] {
        var warnings: [String] = []
        if attachmentBytesPerMessage > 0 {
            // base64 sends 4 bytes for every 3, plus line breaks.
            let wire = attachmentBytesPerMessage * 4 / 3 * 78 / 76
            warnings.append("\(recipients) messages × \(byteText(attachmentBytesPerMessage)) of attachments = \(byteText(attachmentBytesPerMessage * Int64(recipients))) to send (about \(byteText(wire * Int64(recipients))) encoded)")
            if wire > 10_000_000 {
                warnings.append("each message is about \(byteText(wire)) encoded; many mail systems refuse messages over 10–25 MB — consider a link instead")
            }
        }
        if let perDay = smtp?.messagesPerDay, perDay > 0, recipients > perDay {
            let days = (recipients + perDay - 1) / perDay
            warnings.append("[smtp] messages_per_day is \(perDay): the \(recipients) messages take \(days) days; each `campaign send` stops at the limit and the rest wait in the list")
        }
        if let perMinute = smtp?.messagesPerMinute, perMinute > 0 {
            let minutes = (recipients + perMinute - 1) / perMinute
            warnings.append("[smtp] messages_per_minute is \(perMinute): sending takes about \(minutes) minute\(minutes == 1 ? "" : "s")")
        }
        return warnings
    }

    static func byteText(_ n: Int64) -> String {
        if n < 1_000 { return "\(n) B" }
        if n < 1_000_000 { return String(format: "%.1f kB", Double(n) / 1_000) }
        if n < 1_000_000_000 { return String(format: "%.1f MB", Double(n) / 1_000_000) }
        return String(format: "%.2f GB", Double(n) / 1_000_000_000)
    }

    /// 16 characters of [a-z2-9] (80 bits): unguessable, and safe in a Message-ID's left part.
    static func makeToken() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int(rng.next(upperBound: UInt32(alphabet.count)))] })
    }

    static func encode(_ variables: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(variables)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ json: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:]
    }

    /// The values one recipient's message is rendered with.
    func values(for name: String, email: String, variables: [String: String]) -> [String: Any] {
        var values: [String: Any] = variables
        values["name"] = name
        values["email"] = email
        values["signature"] = config.identity.signature
        values["sender_name"] = config.identity.name
        values["sender_address"] = config.identity.address
        return values
    }

    // MARK: - Status

    /// One campaign and every recipient's state, re-read from the outbox first.
    public func status(name: String) throws(KontaktError) -> CampaignStatus {
        let campaign = try campaign(named: name)
        try reconcile(campaignId: campaign.id!)
        return try read { tx in
            CampaignStatus(campaign, recipients: try tx.campaignRecipients(campaignId: campaign.id!),
                           entries: try tx.campaignOutboxEntries(campaignId: campaign.id!))
        }
    }

    /// Every campaign with its counts, oldest first.
    public func list() throws(KontaktError) -> [CampaignSummary] {
        let campaigns = try read { tx in try tx.campaigns() }
        for c in campaigns { try reconcile(campaignId: c.id!) }
        let counts = try read { tx in try tx.campaignRecipientCounts() }
        return campaigns.map { CampaignSummary($0, counts: counts[$0.id!] ?? [:]) }
    }

    /// Makes the failed and deferred recipients' entries due now; the next `campaign send` (or
    /// cron's `kontakt send`) sends them. Bounced ones are left alone: the address does not
    /// exist, and sending again would only bounce again.
    public func retry(name: String) throws(KontaktError) -> CampaignRetryResult {
        let campaign = try campaign(named: name)
        try reconcile(campaignId: campaign.id!)
        let now = clock()
        return try write { tx in
            var result = CampaignRetryResult(name: campaign.name)
            for r in try tx.campaignRecipients(campaignId: campaign.id!) where r.state == .failed || r.state == .deferred {
                guard let outboxId = r.outboxId else { continue }
                if try tx.retryOutboxEntry(id: outboxId, at: now) {
                    try tx.updateCampaignRecipient(id: r.id!, state: .queued, detail: "queued again by `campaign retry`", at: now)
                    result.requeued += 1
                }
            }
            return result
        }
    }

    // MARK: - Reconciling with the outbox

    /// Copies each recipient's outbox state onto the recipient (bounces stay).
    func reconcile(campaignId: Int64, only recipientIds: Set<Int64>? = nil) throws(KontaktError) {
        let now = clock()
        try write { tx in
            let entries = Dictionary(uniqueKeysWithValues: try tx.campaignOutboxEntries(campaignId: campaignId).map { ($0.id!, $0) })
            for r in try tx.campaignRecipients(campaignId: campaignId) where r.state != .bounced {
                if let recipientIds, !recipientIds.contains(r.id!) { continue }
                guard let outboxId = r.outboxId, let entry = entries[outboxId] else { continue }
                let (state, detail) = Self.recipientState(entry, email: r.email)
                if state != r.state || detail != r.detail {
                    try tx.updateCampaignRecipient(id: r.id!, state: state, detail: detail, at: now)
                }
            }
        }
    }

    /// What an outbox entry's state means for the recipient, with the server's answer.
    static func recipientState(_ entry: OutboxRecord, email: String) -> (CampaignRecipientRecord.State, String?) {
        switch entry.state {
        case .queued, .sending:
            return (.queued, entry.lastError)
        case .sent:
            if entry.handedOverAt != nil {
                return (.sent, "unconfirmed: the run stopped between the end of the message and the server's answer; almost certainly delivered (outbox entry \(entry.id!); `kontakt retry \(entry.id!)` sends it again)")
            }
            let reply = RecipientResult.decodeList(entry.recipientResults)
                .first { $0.address.lowercased() == email.lowercased() }?.reply
            return (.sent, reply.map { "accepted: \($0)" } ?? "accepted")
        case .deferred:
            return (.deferred, (entry.lastError ?? "temporary failure") + "; next attempt \(ISO8601DateFormatter().string(from: entry.nextAttemptAt))")
        case .failed:
            return (.failed, entry.lastError ?? "failed")
        case .cancelled:
            return (.failed, "the outbox entry \(entry.id!) was cancelled")
        }
    }

    // MARK: - Store access with typed errors

    func campaign(named name: String) throws(KontaktError) -> CampaignRecord {
        guard let c = try read({ tx in try tx.campaign(named: name) }) else {
            throw KontaktError.notFound("no campaign named \"\(name)\"; see `kontakt campaign list`")
        }
        return c
    }

    func read<T>(_ body: (StoreTransaction) throws -> T) throws(KontaktError) -> T {
        do { return try store.read(body) } catch let e as KontaktError { throw e } catch {
            throw KontaktError.failed("cannot read the store: \(error)")
        }
    }

    func write<T>(_ body: (StoreTransaction) throws -> T) throws(KontaktError) -> T {
        do { return try store.write(body) } catch let e as KontaktError { throw e } catch {
            throw KontaktError.failed("cannot write to the store: \(error)")
        }
    }
}
