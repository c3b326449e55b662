import GRDB

/// The store's schema history. A migration that has shipped is never edited: change the
/// schema by appending a new one. Migrations use table names as strings, never app types,
/// so that an old migration keeps meaning what it meant when it ran.
enum Migrations {
    static func migrator(raw: RawMessageFile) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1 mail, conversations, outbox, campaigns", migrate: createV1)
        migrator.registerMigration("2 retention bookkeeping", migrate: createV2Operations)
        migrator.registerMigration("3 send: handover and deferral times", migrate: createV3Send)
        migrator.registerMigration("4 raw messages in their own file") { db in try createV4RawFile(db, raw: raw) }
        migrator.registerMigration("5 attachments without a stored hash", migrate: createV5AttachmentHash)
        migrator.registerMigration("6 poll budget: backlog boundary, messages left", migrate: createV6Backlog)
        migrator.registerMigration("7 merged conversations", migrate: createV7MergedConversations)
        migrator.registerMigration("8 snoozed conversations", migrate: createV8Snooze)
        return migrator
    }
}
