import GRDB

/// Each folder remembers where the mail it held at its first poll ends, and each poll run how
/// many new messages it left for the next one.
///
/// A first poll imports what a folder already holds as backlog: stored, never acknowledged.
/// Once a poll can stop early (`max_messages_per_poll`, `max_seconds_per_poll`), that import
/// can take several polls, and "is this the first poll?" no longer says which messages are
/// backlog; the UID below which they all lie does. Folders polled before keep NULL: their
/// backlog is long stored. `kontakt status` shows what the last poll left.
func createV6Backlog(_ db: Database) throws {
    try db.execute(sql: "ALTER TABLE mailbox ADD COLUMN backlogBelowUID INTEGER")
    try db.execute(sql: "ALTER TABLE pollRun ADD COLUMN remaining INTEGER NOT NULL DEFAULT 0")
}
