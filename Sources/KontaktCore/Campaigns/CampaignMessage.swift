import Foundation
import MailMessage
import Store

/// One recipient's personal copy of a campaign, as an outbox spec.
///
/// Personal means: To is the manager alone (never a long Bcc, which spam filters punish and
/// which leaks nothing but also confirms nothing per person), the greeting is theirs, and the
/// Message-ID is `c.TOKEN@domain` with their recipient token. That Message-ID is what ties a
/// bounce (the returned message's headers carry it) and a reply (its In-Reply-To) back to this
/// recipient and this campaign, however the other side words them.
enum CampaignMessage {
    static func messageID(token: String, domain: String) -> String { "c.\(token)@\(domain)" }

    /// The spec for `recipient`. Attachments carry the fingerprints taken at `campaign create`,
    /// so the sender refuses a file that changed since, at the moment it reads it.
    static func spec(template: MailTemplate, campaign: CampaignRecord, recipient: CampaignRecipientRecord,
                     attachments: [CampaignAttachment], values: [String: Any], identity: KontaktConfig.Identity,
                     now: Date) throws -> OutgoingSpec {
        var t = template
        t.subject = campaign.subject
        let rendered: (subject: String?, body: String)
        do { rendered = try t.render(values) } catch {
            throw KontaktError.invalid("\(error) — fix the template, then `campaign send` again")
        }
        let from = Address(name: identity.name.isEmpty ? nil : identity.name, address: identity.address)
        var message = OutgoingMessage(from: from, to: [Address(name: recipient.name, address: recipient.email)],
                                      subject: rendered.subject ?? campaign.subject, text: rendered.body,
                                      messageID: messageID(token: recipient.token, domain: identity.messageIDDomain), date: now)
        if let replyTo = identity.replyTo { message.replyTo = [Address(address: replyTo)] }
        message.timeZone = TimeZone(identifier: "Europe/Stockholm") ?? .current
        message.extraHeaders = [
            Header(name: "X-Loop", value: identity.loopID),
            // Exchange, which most municipalities run, then sends no out-of-office reply for each of 400 copies.
            Header(name: "X-Auto-Response-Suppress", value: "OOF, AutoReply"),
        ]
        // Built without attachments (nothing to hash), then given the create-time fingerprints.
        var spec = try OutgoingSpec(message: message)
        spec.attachments = attachments.map {
            OutgoingSpec.Attachment(filename: $0.filename, contentType: $0.contentType, path: $0.path, sha256: $0.sha256, size: $0.size)
        }
        return spec
    }
}
