import Foundation
import GRDB

extension Store {
    /// Makes deleted data leave the file, after `forget` or `purge`.
    ///
    /// `secure_delete` zeroes what a transaction frees, but three copies can survive it: the
    /// full-text index keeps deleted tokens in old segments until they are merged
    /// (`optimize` merges them all), the WAL keeps earlier page images until a checkpoint
    /// copies them back and truncates it, and rows rewritten in place can leave old bytes in
    /// the slack of a page that `VACUUM` rebuilds. Order matters: checkpoint first so the
    /// WAL is empty before VACUUM, and again after, because in WAL mode VACUUM itself
    /// writes through the WAL.
    public func compact() throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO messageSearch(messageSearch) VALUES('optimize')")
        }
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        // The raw file's freed pages are zeroed by secure_delete; VACUUM also rebuilds the
        // pages whose rows were rewritten in place (redacted), leaving no slack behind.
        try raw.vacuum()
    }
}
