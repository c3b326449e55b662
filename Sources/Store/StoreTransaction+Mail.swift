import Foundation
import GRDB

extension StoreTransaction {
    // MARK: - Mailboxes

    /// The poll state of `name`, created on first use.
    public func mailbox(named name: String) throws -> MailboxRecord {
        if let existing = try MailboxRecord.filter(Column("name") == name).fetchOne(db) { return existing }
        var record = MailboxRecord(name: name)
        try record.insert(db)
        return record
    }

    public func save(_ mailbox: MailboxRecord) throws {
        var m = mailbox
        try m.save(db)
    }

    // MARK: - Messages

    /// True when this exact server message (folder, UIDVALIDITY, UID) is already stored.
    public func hasMessage(mailboxId: Int64, uidValidity: Int64, uid: Int64) throws -> Bool {
        // Plain cached SQL: the poller asks this twice per message, and the query interface's
        // SQL generation cost more than the lookup.
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM message WHERE mailboxId = ? AND uidValidity = ? AND uid = ? LIMIT 1"),
                          arguments: [mailboxId, uidValidity, uid]) ?? false
    }

    /// The stored message this one duplicates, if any: same content hash (a fingerprint, see
    /// `Ingestor.contentHash`), or same Message-ID and size. This is what recognises messages
    /// seen again when UIDVALIDITY changed, or the same delivery in two folders.
    public func duplicateMessageId(messageID: String?, contentHash: String, size: Int) throws -> Int64? {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM message WHERE contentHash = ? AND direction = 'in' LIMIT 1"),
                                       arguments: [contentHash]) {
            return id
        }
        guard let messageID, !messageID.isEmpty else { return nil }
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM message WHERE messageID = ? AND size = ? AND direction = 'in' LIMIT 1"),
                                  arguments: [messageID, size])
    }

    /// Stores a message with its attachments and makes it searchable.
    ///
    /// `raw` is committed to the raw file first (see `RawMessageFile`); a record whose bytes
    /// were stored earlier (`Store.storeRaw`, the poller's batches) comes with `rawKey` set
    /// instead, and the key is checked to exist.
    @discardableResult
    public func insert(_ message: MessageRecord, raw bytes: [UInt8]? = nil, attachments: [AttachmentRecord] = []) throws -> MessageRecord {
        var record = message
        if let bytes {
            record.rawKey = try raw.insert([bytes], at: Date())[0]
        } else if let key = record.rawKey {
            try confirmRaw([key])
        }
        try insertRow(&record)
        let id = record.id!
        for var attachment in attachments {
            attachment.messageId = id
            try insertRow(&attachment)
        }
        try indexForSearch(record)
        return record
    }

    /// Checks that the raw bytes under `keys` exist, with one query, so that `insert` of records
    /// carrying these keys need not ask again: a commit group confirms all its keys at once.
    ///
    /// Inside the store's write transaction the sweep cannot run (it decides under the same
    /// lock), so bytes confirmed here stay until the transaction ends. A key can only be missing
    /// if this process stood still longer than the sweep's grace period between storing the
    /// bytes and this transaction: then nothing is stored rather than a message without its
    /// bytes, and the poller fetches it again next run.
    public func confirmRaw(_ keys: [Int64]) throws {
        let unconfirmed = Array(Set(keys).subtracting(confirmedRaw.keys))
        guard !unconfirmed.isEmpty else { return }
        let present = try raw.existing(unconfirmed)
        if let missing = unconfirmed.first(where: { !present.contains($0) }) {
            throw StoreError.conflict("the raw bytes of a message (key \(missing)) vanished before it was stored")
        }
        confirmedRaw.keys.formUnion(unconfirmed)
    }

    /// The raw bytes of `message`; nil once purged.
    public func raw(of message: MessageRecord) throws -> Data? {
        guard let key = message.rawKey else { return nil }
        return try raw.bytes(key: key)
    }

    /// Rewrites the derived fields of a stored message (after `replay`).
    public func update(_ message: MessageRecord) throws {
        try message.update(db)
        try db.execute(sql: "DELETE FROM messageSearch WHERE rowid = ?", arguments: [message.id])
        try indexForSearch(message)
    }

    func indexForSearch(_ message: MessageRecord) throws {
        guard message.state != .robot else { return }
        let sender = [message.fromName ?? "", message.fromAddress].joined(separator: " ")
        try db.cachedStatement(sql: "INSERT INTO messageSearch(rowid, subject, text, sender) VALUES (?, ?, ?, ?)")
            .execute(arguments: [message.id, message.subject, message.text, sender])
    }

    public func replaceAttachments(messageId: Int64, with attachments: [AttachmentRecord]) throws {
        try db.execute(sql: "DELETE FROM attachment WHERE messageId = ?", arguments: [messageId])
        for var attachment in attachments {
            attachment.messageId = messageId
            try insertRow(&attachment)
        }
    }

    public func message(id: Int64) throws -> MessageRecord? {
        try MessageRecord.fetchOne(db, key: id)
    }

    public func messages(inConversation id: Int64) throws -> [MessageRecord] {
        try MessageRecord.filter(Column("conversationId") == id).order(Column("receivedAt"), Column("id")).fetchAll(db)
    }

    public func attachments(ofMessage id: Int64) throws -> [AttachmentRecord] {
        try AttachmentRecord.filter(Column("messageId") == id).order(Column("position")).fetchAll(db)
    }

    public func messages(inState state: MessageRecord.State, limit: Int = 1000) throws -> [MessageRecord] {
        try MessageRecord.filter(Column("state") == state.rawValue).order(Column("id").desc).limit(limit).fetchAll(db)
    }

    public func messageCount(state: MessageRecord.State? = nil) throws -> Int {
        if let state { return try MessageRecord.filter(Column("state") == state.rawValue).fetchCount(db) }
        return try MessageRecord.fetchCount(db)
    }

    // MARK: - Server actions

    public func addServerAction(_ action: ServerActionRecord) throws {
        var a = action
        try insertRow(&a, orIgnore: true)
    }

    public func pendingServerActions(mailbox: String) throws -> [ServerActionRecord] {
        try ServerActionRecord.filter(Column("mailboxName") == mailbox).order(Column("uid")).fetchAll(db)
    }

    public func completeServerActions(ids: [Int64]) throws {
        _ = try ServerActionRecord.deleteAll(db, keys: ids)
    }

    public func failServerActions(ids: [Int64], error: String) throws {
        for id in ids {
            try db.execute(sql: "UPDATE serverAction SET attempts = attempts + 1, lastError = ? WHERE id = ?", arguments: [error, id])
        }
    }

    /// After UIDVALIDITY changed, actions for the old UIDs can no longer be carried out.
    public func dropServerActions(mailbox: String, otherThanUIDValidity validity: Int64) throws {
        try db.execute(sql: "DELETE FROM serverAction WHERE mailboxName = ? AND uidValidity != ?", arguments: [mailbox, validity])
    }

    // MARK: - Poll runs

    @discardableResult
    public func insert(_ run: PollRunRecord) throws -> PollRunRecord {
        var r = run
        try r.insert(db)
        return r
    }

    public func update(_ run: PollRunRecord) throws {
        try run.update(db)
    }

    public func lastSuccessfulPoll() throws -> PollRunRecord? {
        try PollRunRecord.filter(Column("ok") == true).order(Column("id").desc).fetchOne(db)
    }

    public func lastPoll() throws -> PollRunRecord? {
        try PollRunRecord.order(Column("id").desc).fetchOne(db)
    }
}
