import Foundation
import GRDB

extension Store {
    /// Commits raw messages to the raw file ahead of the transaction that will refer to them,
    /// and returns their keys in order: the poller stores a commit group's bytes with one
    /// durable commit, then its rows with another. Set each record's `rawKey` from the result.
    public func storeRaw(_ blobs: [[UInt8]], at now: Date = Date()) throws -> [Int64] {
        try raw.insert(blobs, at: now)
    }

    /// How many raw messages the raw file holds, referenced or not (`kontakt status`, tests).
    public func rawMessageCount() throws -> Int {
        try raw.count()
    }

    /// Deletes raw bytes that no message refers to and that are older than
    /// `RawMessageFile.sweepGrace`: what a crash between the raw file's commit and the store's
    /// left behind. Only rows created since the last sweep are looked at, so this costs nothing
    /// on a quiet store. Returns how many rows went.
    ///
    /// Which candidates are unreferenced is decided inside a write transaction of the store,
    /// because every transaction that refers to raw bytes checks them while holding the same
    /// lock: the sweep can never fall between that check and its commit. Finding the candidates
    /// needs no lock, so a poll on a quiet store takes none.
    @discardableResult
    public func sweepUnreferencedRaw(now: Date = Date()) throws -> Int {
        let horizon = now.addingTimeInterval(-RawMessageFile.sweepGrace)
        let candidates = try raw.unsweptKeys(before: horizon)
        guard !candidates.isEmpty else { return 0 }
        return try writer.write { db in
            var referenced = Set<Int64>()
            for chunk in candidates.chunks(of: 500) {
                referenced.formUnion(try Int64.fetchAll(db, sql: """
                    SELECT rawKey FROM message WHERE rawKey IN (\(chunk.sqlList))
                    """))
            }
            let orphans = candidates.filter { !referenced.contains($0) }
            try raw.finishSweep(deleting: orphans, until: horizon)
            return orphans.count
        }
    }
}

extension StoreTransaction {
    /// Deletes the raw bytes of these messages and clears their keys. The raw file commits
    /// first: if the store's transaction then fails, the rows name keys that no longer exist
    /// (read as "purged"), never bytes that should be gone.
    func dropRaw(ofMessages ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        var keys: [Int64] = []
        for chunk in ids.chunks(of: 500) {
            let list = chunk.sqlList
            keys += try Int64.fetchAll(db, sql: "SELECT rawKey FROM message WHERE rawKey IS NOT NULL AND id IN (\(list))")
            try db.execute(sql: "UPDATE message SET rawKey = NULL WHERE id IN (\(list))")
        }
        try raw.delete(keys: keys)
    }
}
