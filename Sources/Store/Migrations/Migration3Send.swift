import GRDB

/// Two outbox columns that make sending crash-safe without guessing.
///
/// - `handedOverAt`: when the last byte of the message (and so libcurl's final `CRLF.CRLF`)
///   was handed to the server. An entry found in `sending` *without* it was interrupted before
///   the server could have accepted anything, so it is resent; one *with* it most likely was
///   accepted, so it is recorded as sent-but-unconfirmed instead of being sent twice.
/// - `deferredSince`: the start of the current run of temporary failures; `[smtp]
///   max_retry_hours` is counted from here, so a manual `retry` gets a fresh allowance.
func createV3Send(_ db: Database) throws {
    try db.execute(sql: """
        ALTER TABLE outbox ADD COLUMN handedOverAt DATETIME;
        ALTER TABLE outbox ADD COLUMN deferredSince DATETIME;
        """)
}
