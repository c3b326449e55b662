import GRDB

/// The attachment table stops keeping each file's SHA-256.
///
/// Nothing read it back: `inspect` and `export` show a file's hash from the raw message they
/// parse anyway. Computing it made every poll decode and hash every attachment it fetched,
/// about a tenth of a poll's CPU (BENCHMARKS.md "## Fetching"); the size it still stores is
/// counted without decoding.
func createV5AttachmentHash(_ db: Database) throws {
    try db.execute(sql: "ALTER TABLE attachment DROP COLUMN sha256")
}
