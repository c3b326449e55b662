import Foundation
import GRDB

/// Raw messages move out of the `message` table into the raw file (`RawMessageFile`), which
/// writes them once instead of twice; a row now names its bytes by `rawKey`.
///
/// Existing bytes are copied to the raw file first (committed there before this migration's
/// transaction refers to them, as everywhere); if the migration is interrupted, the copies are
/// unreferenced and swept, and the migration runs again from the start.
func createV4RawFile(_ db: Database, raw: RawMessageFile) throws {
    try db.execute(sql: "ALTER TABLE message ADD COLUMN rawKey INTEGER")
    let ids = try Int64.fetchAll(db, sql: "SELECT id FROM message WHERE raw IS NOT NULL ORDER BY id")
    for chunk in ids.chunks(of: 32) {
        let blobs = try chunk.map { id in
            [UInt8](try Data.fetchOne(db, sql: "SELECT raw FROM message WHERE id = ?", arguments: [id]) ?? Data())
        }
        let keys = try raw.insert(blobs, at: Date())
        for (id, key) in zip(chunk, keys) {
            try db.execute(sql: "UPDATE message SET rawKey = ? WHERE id = ?", arguments: [key, id])
        }
    }
    try db.execute(sql: "ALTER TABLE message DROP COLUMN raw")
    try db.execute(sql: "CREATE INDEX message_rawKey ON message(rawKey)")
}
