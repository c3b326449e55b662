import Foundation
import SMTP
import Store

/// One outbox entry as `kontakt outbox` shows it: state, server answers, never the body.
public struct OutboxEntry: Codable, Sendable {
    public var id: Int64
    public var kind: String
    public var state: String
    /// Recorded as sent after a run died between the final dot and the server's reply: almost
    /// certainly delivered, but unconfirmed. `kontakt retry ID` sends it again if it was not.
    public var unconfirmed: Bool
    public var conversationId: Int64?
    public var campaignId: Int64?
    public var subject: String
    public var recipients: [String]
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var sentAt: Date?
    /// The server's answer (or our reason) for the last failed or deferred attempt.
    public var lastError: String?
    public var recipientResults: [RecipientResult]

    init(_ r: OutboxRecord) {
        id = r.id ?? 0
        kind = r.kind.rawValue
        state = r.state.rawValue
        unconfirmed = r.state == .sent && r.handedOverAt != nil
        conversationId = r.conversationId
        campaignId = r.campaignId
        subject = r.subject
        recipients = r.recipientList
        attempts = r.attempts
        createdAt = r.createdAt
        nextAttemptAt = r.nextAttemptAt
        sentAt = r.sentAt
        lastError = r.lastError
        recipientResults = RecipientResult.decodeList(r.recipientResults)
    }
}

/// What the server answered to one recipient's RCPT TO.
public struct RecipientResult: Codable, Sendable, Equatable {
    public var address: String
    public var code: Int
    public var reply: String
    public var accepted: Bool

    public init(_ r: SMTPRecipientResult) {
        address = r.address
        code = r.code
        reply = r.reply
        accepted = r.accepted
    }

    static func encodeList(_ list: [SMTPRecipientResult]) -> String {
        encodeList(list.map(RecipientResult.init))
    }

    static func encodeList(_ list: [RecipientResult]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(list), as: UTF8.self)) ?? "[]"
    }

    /// Earlier attempts' results with this attempt's replacing those for the same address.
    static func merged(_ earlier: String, with latest: [SMTPRecipientResult]) -> [RecipientResult] {
        let now = latest.map(RecipientResult.init)
        let answered = Set(now.map { $0.address.lowercased() })
        return decodeList(earlier).filter { !answered.contains($0.address.lowercased()) } + now
    }

    static func decodeList(_ json: String) -> [RecipientResult] {
        (try? JSONDecoder().decode([RecipientResult].self, from: Data(json.utf8))) ?? []
    }
}

/// What one `send` run did; `kontakt send --json` prints it.
public struct SendSummary: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public var id: Int64
        public var state: String
        public var detail: String?
    }

    /// Why the run ended before the end of the list.
    public struct Stop: Codable, Sendable {
        /// True when time alone may fix it (server down, TLS trouble): exit 75.
        public var temporary: Bool
        public var reason: String
    }

    public var sent = 0
    public var deferred = 0
    public var failed = 0
    /// Entries a killed run left mid-send, found again and queued because the server cannot have accepted them.
    public var requeuedAfterInterruption = 0
    /// Entries a killed run left after the final dot, recorded as sent without confirmation (see `OutboxEntry.unconfirmed`).
    public var unconfirmed = 0
    public var sentCopiesFailed = 0
    public var items: [Item] = []
    public var stop: Stop?

    /// The error a CLI should exit with, if any: 75 for a temporary stop, 1 for one a human must fix.
    public var exitError: KontaktError? {
        guard let stop else { return nil }
        return stop.temporary ? .temporary(stop.reason) : .failed(stop.reason)
    }
}
