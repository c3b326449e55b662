import GRDB

/// A conversation can rest until a date (`kontakt snooze`): RT's "stalled", FreeScout's
/// "pending", Zammad's "pending reminder". NULL for every conversation before.
func createV8Snooze(_ db: Database) throws {
    try db.execute(sql: "ALTER TABLE conversation ADD COLUMN snoozedUntil DATETIME")
}
