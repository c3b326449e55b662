import GRDB

/// A record inserted thousands of times by one poll, with its columns written out once.
///
/// Why by hand: GRDB's `insert` of a Codable record builds a data-access object and runs the
/// record through an `Encoder` on every call, and has SQLite's authorizer look at the statement
/// each time; for the message, attachment and server-action rows of a 10,000-message poll that
/// was 4 % of the poll's CPU, and for the conversation and event rows of each new conversation
/// another 3 % (BENCHMARKS.md "## Fetching"). Reading stays with GRDB's Codable
/// decoding. `StoreTests` checks `insertColumns` against the table and reads every field back,
/// so a column added later cannot be left out silently.
protocol HandInsertedRecord: TableRecord {
    /// Every column but the integer primary key, in the order of `insertValues`.
    static var insertColumns: [String] { get }
    /// `INSERT [OR IGNORE] INTO table(columns) VALUES (?, …)`, built once per type.
    static var insertSQL: String { get }
    static var insertOrIgnoreSQL: String { get }
    var insertValues: [(any DatabaseValueConvertible)?] { get }
    var id: Int64? { get set }
}

extension HandInsertedRecord {
    static func makeInsertSQL(orIgnore: Bool) -> String {
        let placeholders = repeatElement("?", count: insertColumns.count).joined(separator: ", ")
        return "INSERT \(orIgnore ? "OR IGNORE " : "")INTO \(databaseTableName)(\(insertColumns.joined(separator: ", "))) VALUES (\(placeholders))"
    }
}

extension StoreTransaction {
    /// Inserts `record` and sets its `id`; with `orIgnore`, a row a UNIQUE constraint refuses is
    /// skipped and `id` stays nil.
    func insertRow<R: HandInsertedRecord>(_ record: inout R, orIgnore: Bool = false) throws {
        let statement = try db.cachedStatement(sql: orIgnore ? R.insertOrIgnoreSQL : R.insertSQL)
        try statement.execute(arguments: StatementArguments(record.insertValues))
        if db.changesCount > 0 { record.id = db.lastInsertedRowID }
    }
}

extension MessageRecord: HandInsertedRecord {
    static let insertColumns = [
        "direction", "conversationId", "mailboxId", "uidValidity", "uid", "messageID", "contentHash", "rawKey", "size",
        "subject", "fromAddress", "fromName", "toAddresses", "ccAddresses", "replyTo", "sentAt", "receivedAt",
        "inReplyTo", "referencesList", "text", "newText", "state", "robotKind", "robotDetail", "defects", "isBacklog",
        "outboxId",
    ]
    static let insertSQL = makeInsertSQL(orIgnore: false)
    static let insertOrIgnoreSQL = makeInsertSQL(orIgnore: true)
    var insertValues: [(any DatabaseValueConvertible)?] {
        [direction.rawValue, conversationId, mailboxId, uidValidity, uid, messageID, contentHash, rawKey, size,
         subject, fromAddress, fromName, toAddresses, ccAddresses, replyTo, sentAt, receivedAt,
         inReplyTo, referencesList, text, newText, state.rawValue, robotKind, robotDetail, defects, isBacklog,
         outboxId]
    }
}

extension AttachmentRecord: HandInsertedRecord {
    static let insertColumns = ["messageId", "position", "filename", "contentType", "size"]
    static let insertSQL = makeInsertSQL(orIgnore: false)
    static let insertOrIgnoreSQL = makeInsertSQL(orIgnore: true)
    var insertValues: [(any DatabaseValueConvertible)?] { [messageId, position, filename, contentType, size] }
}

extension ServerActionRecord: HandInsertedRecord {
    static let insertColumns = ["mailboxName", "uidValidity", "uid", "action", "target", "createdAt", "attempts", "lastError"]
    static let insertSQL = makeInsertSQL(orIgnore: false)
    static let insertOrIgnoreSQL = makeInsertSQL(orIgnore: true)
    var insertValues: [(any DatabaseValueConvertible)?] {
        [mailboxName, uidValidity, uid, action.rawValue, target, createdAt, attempts, lastError]
    }
}

extension ConversationRecord: HandInsertedRecord {
    static let insertColumns = [
        "subject", "normalizedSubject", "topic", "confidence", "topicSource", "status", "senderKind", "contactAddress",
        "contactName", "language", "weakMatch", "isRobot", "createdAt", "lastActivityAt", "firstAnsweredAt", "closedAt",
        "snoozedUntil",
    ]
    static let insertSQL = makeInsertSQL(orIgnore: false)
    static let insertOrIgnoreSQL = makeInsertSQL(orIgnore: true)
    var insertValues: [(any DatabaseValueConvertible)?] {
        [subject, normalizedSubject, topic, confidence, topicSource, status.rawValue, senderKind, contactAddress,
         contactName, language, weakMatch, isRobot, createdAt, lastActivityAt, firstAnsweredAt, closedAt,
         snoozedUntil]
    }
}

extension EventRecord: HandInsertedRecord {
    static let insertColumns = ["at", "conversationId", "actor", "kind", "detail"]
    static let insertSQL = makeInsertSQL(orIgnore: false)
    static let insertOrIgnoreSQL = makeInsertSQL(orIgnore: true)
    var insertValues: [(any DatabaseValueConvertible)?] { [at, conversationId, actor, kind, detail] }
}
