import Foundation
import GRDB

extension StoreTransaction {
    // MARK: - Finding the conversation of a message

    /// The conversation that holds a message (received or sent) with this Message-ID.
    public func conversationId(containingMessageID messageID: String) throws -> Int64? {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT conversationId FROM message WHERE messageID = ? AND conversationId IS NOT NULL LIMIT 1
            """), arguments: [messageID]) {
            return id
        }
        return try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT conversationId FROM outbox WHERE messageID = ? AND conversationId IS NOT NULL LIMIT 1
            """), arguments: [messageID])
    }

    public func participants(ofConversation id: Int64) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT address FROM conversationParticipant WHERE conversationId = ?"),
                                arguments: [id]))
    }

    /// Conversations with this normalised subject in which `sender` took part, active since `since`.
    public func conversationIds(normalizedSubject: String, participant sender: String, since: Date) throws -> [Int64] {
        try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT c.id FROM conversation c
            JOIN conversationParticipant p ON p.conversationId = c.id AND p.address = ?
            WHERE c.normalizedSubject = ? AND c.lastActivityAt >= ? AND c.isRobot = 0
            ORDER BY c.lastActivityAt DESC
            """), arguments: [sender, normalizedSubject, since])
    }

    // MARK: - Conversations

    public func conversation(id: Int64) throws -> ConversationRecord? {
        try ConversationRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM conversation WHERE id = ?"), arguments: [id])
    }

    @discardableResult
    public func insert(_ conversation: ConversationRecord) throws -> ConversationRecord {
        var c = conversation
        try insertRow(&c)
        // SQLite gives a new row the highest id plus one, so a merged conversation that had the
        // highest id would hand its id, still an alias in old subjects' tags, to the next one.
        if let id = c.id, try mergedTarget(of: id) != nil {
            let free = try Int64.fetchOne(db, sql: "SELECT MAX(id) + 1 FROM conversationAlias")!
            try db.execute(sql: "UPDATE conversation SET id = ? WHERE id = ?", arguments: [free, id])
            c.id = free
        }
        return c
    }

    // MARK: - Merging and splitting

    /// The conversation that `id` was merged into, if it was.
    public func mergedTarget(of id: Int64) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT conversationId FROM conversationAlias WHERE id = ?"), arguments: [id])
    }

    /// Moves every message, note, event, outbox entry, correction and participant of `source`
    /// into `target`, deletes `source`, and keeps its id as an alias of `target` (as are the
    /// aliases `source` had). The caller updates `target`'s own fields.
    public func merge(conversation source: Int64, into target: Int64) throws {
        for table in ["message", "note", "event", "outbox", "correction"] {
            try db.execute(sql: "UPDATE \(table) SET conversationId = ? WHERE conversationId = ?", arguments: [target, source])
        }
        try db.execute(sql: """
            INSERT OR IGNORE INTO conversationParticipant(conversationId, address)
            SELECT ?, address FROM conversationParticipant WHERE conversationId = ?
            """, arguments: [target, source])
        try db.execute(sql: "UPDATE conversationAlias SET conversationId = ? WHERE conversationId = ?", arguments: [target, source])
        try db.execute(sql: "INSERT INTO conversationAlias(id, conversationId) VALUES (?, ?)", arguments: [source, target])
        try db.execute(sql: "DELETE FROM conversation WHERE id = ?", arguments: [source])
    }

    /// Moves one message to another conversation.
    public func move(message id: Int64, toConversation conversationId: Int64) throws {
        try db.execute(sql: "UPDATE message SET conversationId = ? WHERE id = ?", arguments: [conversationId, id])
    }

    public func removeParticipant(_ address: String, fromConversation id: Int64) throws {
        try db.execute(sql: "DELETE FROM conversationParticipant WHERE conversationId = ? AND address = ?",
                       arguments: [id, address.lowercased()])
    }

    public func update(_ conversation: ConversationRecord) throws {
        try conversation.update(db)
    }

    public func addParticipant(_ address: String, toConversation id: Int64) throws {
        guard !address.isEmpty else { return }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO conversationParticipant(conversationId, address) VALUES (?, ?)")
            .execute(arguments: [id, address.lowercased()])
    }

    public func record(_ event: EventRecord) throws {
        var e = event
        try insertRow(&e)
    }

    public func events(ofConversation id: Int64) throws -> [EventRecord] {
        try EventRecord.filter(Column("conversationId") == id).order(Column("at"), Column("id")).fetchAll(db)
    }

    @discardableResult
    public func insert(_ note: NoteRecord) throws -> NoteRecord {
        var n = note
        try n.insert(db)
        return n
    }

    public func notes(ofConversation id: Int64) throws -> [NoteRecord] {
        try NoteRecord.filter(Column("conversationId") == id).order(Column("at")).fetchAll(db)
    }

    public func insert(_ correction: CorrectionRecord) throws {
        var c = correction
        try c.insert(db)
    }

    public func corrections() throws -> [CorrectionRecord] {
        try CorrectionRecord.order(Column("id")).fetchAll(db)
    }

    /// Which conversations `queue` lists by their snooze (`ConversationRecord.snoozedUntil`).
    public enum Rest: Sendable {
        /// Resting or not.
        case any
        /// Not resting at this time: the director's queue.
        case awake(at: Date)
        /// Resting beyond this time: `queue --snoozed`.
        case resting(at: Date)
    }

    /// "Conversation `c` is not resting at the time bound to `?`": the queue's and status's test.
    static let awakeSQL = "(c.snoozedUntil IS NULL OR c.snoozedUntil <= ?)"

    /// Summary rows for the queue: one per conversation, newest message facts joined in.
    public func queue(statuses: [ConversationRecord.Status], topic: String? = nil, includeRobots: Bool = false,
                      rest: Rest = .any) throws -> [QueueRow] {
        var sql = """
            SELECT c.*, 
                (SELECT COUNT(*) FROM message m WHERE m.conversationId = c.id) AS messageCount,
                (SELECT COUNT(*) FROM attachment a JOIN message m ON m.id = a.messageId WHERE m.conversationId = c.id) AS attachmentCount,
                (SELECT MAX(m.receivedAt) FROM message m WHERE m.conversationId = c.id AND m.direction = 'in') AS lastInboundAt
            FROM conversation c
            WHERE c.status IN (\(statuses.map { "'\($0.rawValue)'" }.joined(separator: ",")))
            """
        var arguments: StatementArguments = []
        if let topic { sql += " AND c.topic = ?"; arguments += [topic] }
        if !includeRobots { sql += " AND c.isRobot = 0" }
        switch rest {
        case .any: break
        case .awake(let now): sql += " AND \(StoreTransaction.awakeSQL)"; arguments += [now]
        case .resting(let now): sql += " AND c.snoozedUntil > ?"; arguments += [now]
        }
        sql += " ORDER BY c.topic, COALESCE(lastInboundAt, c.createdAt), c.id"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            QueueRow(conversation: try ConversationRecord(row: row),
                     messageCount: row["messageCount"], attachmentCount: row["attachmentCount"],
                     lastInboundAt: row["lastInboundAt"])
        }
    }

    /// Full-text search over subjects, texts and senders; diacritics folded, so `frag` finds
    /// "fråga". `filter` narrows it by the message's conversation, sender and date; with no
    /// words, the filter alone picks messages, newest first. Robots are never found.
    public func search(_ query: String, filter: SearchFilter = SearchFilter(), limit: Int = 50) throws -> [SearchHit] {
        let terms = query.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { "\"\($0)\"*" }
        guard !terms.isEmpty || !filter.isEmpty else { return [] }
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if !terms.isEmpty {
            conditions.append("messageSearch MATCH ?")
            arguments += [terms.joined(separator: " ")]
        }
        if let topic = filter.topic { conditions.append("c.topic = ?"); arguments += [topic] }
        if let status = filter.status { conditions.append("c.status = ?"); arguments += [status.rawValue] }
        if let kind = filter.senderKind { conditions.append("c.senderKind = ?"); arguments += [kind] }
        if let from = filter.from {
            conditions.append("instr(lower(m.fromAddress), ?) > 0")
            arguments += [from.lowercased()]
        }
        if let after = filter.after { conditions.append("m.receivedAt >= ?"); arguments += [after] }
        if let before = filter.before { conditions.append("m.receivedAt < ?"); arguments += [before] }
        conditions.append("m.state <> 'robot'")
        arguments += [limit]
        let sql = terms.isEmpty
            ? """
              SELECT m.id AS messageId, m.conversationId, m.subject, m.fromAddress, m.receivedAt,
                     substr(m.newText, 1, 80) AS snippet, 0.0 AS rank
              FROM message m LEFT JOIN conversation c ON c.id = m.conversationId
              WHERE \(conditions.joined(separator: " AND "))
              ORDER BY m.receivedAt DESC, m.id DESC LIMIT ?
              """
            : """
              SELECT m.id AS messageId, m.conversationId, m.subject, m.fromAddress, m.receivedAt,
                     snippet(messageSearch, 1, '[', ']', '…', 12) AS snippet, bm25(messageSearch) AS rank
              FROM messageSearch JOIN message m ON m.id = messageSearch.rowid
              LEFT JOIN conversation c ON c.id = m.conversationId
              WHERE \(conditions.joined(separator: " AND "))
              ORDER BY rank LIMIT ?
              """
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            SearchHit(messageId: row["messageId"], conversationId: row["conversationId"], subject: row["subject"],
                      fromAddress: row["fromAddress"], receivedAt: row["receivedAt"], snippet: row["snippet"],
                      rank: row["rank"])
        }
    }
}

/// One line of the director's queue.
public struct QueueRow: Sendable {
    public var conversation: ConversationRecord
    public var messageCount: Int
    public var attachmentCount: Int
    public var lastInboundAt: Date?
}

/// What narrows a search besides its words (`kontakt search topic:material status:open …`).
public struct SearchFilter: Sendable, Equatable {
    public var topic: String?
    public var status: ConversationRecord.Status?
    public var senderKind: String?
    /// Part of the sender's address, any case.
    public var from: String?
    /// Received at or after.
    public var after: Date?
    /// Received before.
    public var before: Date?

    public init(topic: String? = nil, status: ConversationRecord.Status? = nil, senderKind: String? = nil,
                from: String? = nil, after: Date? = nil, before: Date? = nil) {
        self.topic = topic
        self.status = status
        self.senderKind = senderKind
        self.from = from
        self.after = after
        self.before = before
    }

    public var isEmpty: Bool { self == SearchFilter() }
}

/// One search result.
public struct SearchHit: Sendable, Codable {
    public var messageId: Int64
    public var conversationId: Int64?
    public var subject: String
    public var fromAddress: String
    public var receivedAt: Date
    public var snippet: String
    public var rank: Double
}
