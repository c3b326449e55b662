import Foundation
import GRDB

/// The raw bytes of stored messages, in a second SQLite file beside the store
/// (`kontakt.sqlite` → `kontakt.raw.sqlite`), reached only through `Store` and
/// `StoreTransaction`.
///
/// Why a file of its own: raw mail is nearly all of what a poll writes, and in the store's
/// WAL every byte is written twice (to the WAL, then again by the checkpoint). This file
/// uses a rollback journal instead, where pages appended beyond the file's old end are not
/// journalled: a new message's bytes reach the disk once. On a 10,000-message poll that
/// halved the bytes written (BENCHMARKS.md "## Fetching"). The store itself stays in WAL
/// mode, so `kontakt queue` still reads while a poll writes.
///
/// The two files are not committed together, so one rule keeps them consistent: **bytes are
/// committed here before any row refers to them.** A crash between the two commits leaves an
/// unreferenced row, never a reference to missing bytes; `Store.sweepUnreferencedRaw` removes
/// such rows once they are older than any transaction can take. Rows are never updated to
/// other content by the poller; `forget` rewrites a row in place to redact an address.
final class RawMessageFile: @unchecked Sendable {
    let queue: DatabaseQueue
    /// Nil for the in-memory file of unit tests.
    private let path: String?

    /// How old an unreferenced row must be before the sweep takes it for a crash's leftover
    /// rather than bytes whose referencing transaction is still running.
    static let sweepGrace: TimeInterval = 15 * 60

    /// The raw file that belongs to the store at `storePath`.
    static func path(forStore storePath: String) -> String {
        let ns = storePath as NSString
        let ext = ns.pathExtension
        return ext.isEmpty ? storePath + ".raw" : ns.deletingPathExtension + ".raw." + ext
    }

    init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // What `forget` deletes or rewrites is overwritten, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // 256 pages of 64 KB, 16 MB (counted in pages because a size in KiB would be
            // converted at the default page size of a new file, 16 times too many). A commit
            // group holds up to 32 MB of mail and spills the rest to the file before its commit;
            // a cache the size of a whole group measured no faster and cost 20 MB more memory.
            try db.execute(sql: "PRAGMA cache_size = 256")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            // 64 KB pages: the fewest writes per message. New files only.
            try db.execute(sql: "PRAGMA page_size = 65536")
            // DELETE, not WAL (see above); the journal of an interrupted commit is rolled
            // back on the next open, and is unlinked after every commit, so what `forget`
            // replaced does not linger in it.
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            // FULL: bytes must be on disk before the store's commit can refer to them.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try RawMessageFile.migrator.migrate(queue)
    }

    /// In memory, for the in-memory store of unit tests.
    init() throws {
        path = nil
        queue = try DatabaseQueue()
        try RawMessageFile.migrator.migrate(queue)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1 raw messages") { db in
            // AUTOINCREMENT: a key is never used twice, so a row that still names a deleted
            // key (a purge interrupted between the two files) can never show other bytes.
            try db.execute(sql: """
                CREATE TABLE rawMessage (
                    key INTEGER PRIMARY KEY AUTOINCREMENT,
                    createdAt DOUBLE NOT NULL,
                    bytes BLOB NOT NULL
                );
                CREATE INDEX rawMessage_createdAt ON rawMessage(createdAt);
                CREATE TABLE sweep (id INTEGER PRIMARY KEY CHECK (id = 1), checkedUntil DOUBLE NOT NULL);
                """)
        }
        return migrator
    }

    /// Commits `blobs` (durably) and returns their keys, in order.
    func insert(_ blobs: [[UInt8]], at now: Date) throws -> [Int64] {
        guard !blobs.isEmpty else { return [] }
        let result = try queue.write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO rawMessage(createdAt, bytes) VALUES (?, ?)")
            var keys: [Int64] = []
            keys.reserveCapacity(blobs.count)
            for blob in blobs {
                try blob.withUnsafeBytes { buffer in
                    // Bound without copying the message into a Data first; GRDB binds the
                    // arguments of `execute(arguments:)` SQLITE_STATIC, valid until it returns.
                    let bytes = buffer.baseAddress.map {
                        Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: buffer.count, deallocator: .none)
                    } ?? Data()
                    try statement.execute(arguments: [now.timeIntervalSince1970, bytes])
                }
                keys.append(db.lastInsertedRowID)
            }
            return keys
        }
        releaseCachedPages()
        return result
    }

    /// Asks the kernel to drop the file's pages from its cache once they are on disk.
    ///
    /// Why: mail a poll archives is written once and rarely read again, yet every byte of it
    /// would stay in the page cache, crowding out what the machine does use: a 10,000-message
    /// first poll left 2.9 GB behind. Filling that much fresh cache is also what made `pwrite`
    /// the poll's largest system cost (4 core-seconds of 6 on the benchmark VM): pages dropped
    /// after each commit are reused by the next, instead of new memory being claimed for every
    /// group. Measured: Kontakt's system time per poll 8.9-10.8 s → 5.0-6.0 s (BENCHMARKS.md).
    ///
    /// Safe because `synchronous = FULL` has already written and synced the pages: the kernel
    /// drops only clean pages, and SQLite keeps the b-tree pages it needs in its own cache.
    /// Best effort; where the call is missing or the file system ignores it nothing changes.
    private func releaseCachedPages() {
        #if os(Linux)
        guard let path else { return }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(fd)
        #endif
    }

    func bytes(key: Int64) throws -> Data? {
        try queue.read { db in try Data.fetchOne(db, sql: "SELECT bytes FROM rawMessage WHERE key = ?", arguments: [key]) }
    }

    /// Which of `keys` exist.
    func existing(_ keys: [Int64]) throws -> Set<Int64> {
        guard !keys.isEmpty else { return [] }
        return try queue.read { db in
            var found = Set<Int64>()
            for chunk in keys.chunks(of: 500) {
                found.formUnion(try Int64.fetchAll(db, sql: "SELECT key FROM rawMessage WHERE key IN (\(chunk.sqlList))"))
            }
            return found
        }
    }

    /// How many rows the file holds, referenced or not.
    func count() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rawMessage") ?? 0 }
    }

    func delete(keys: [Int64]) throws {
        guard !keys.isEmpty else { return }
        try queue.write { db in try RawMessageFile.delete(keys, in: db) }
    }

    private static func delete(_ keys: [Int64], in db: Database) throws {
        for chunk in keys.chunks(of: 500) {
            try db.execute(sql: "DELETE FROM rawMessage WHERE key IN (\(chunk.sqlList))")
        }
    }

    /// Keys of rows created after the last sweep's horizon and before `horizon`.
    func unsweptKeys(before horizon: Date) throws -> [Int64] {
        try queue.read { db in
            let since = try Double.fetchOne(db, sql: "SELECT checkedUntil FROM sweep WHERE id = 1") ?? 0
            return try Int64.fetchAll(db, sql: "SELECT key FROM rawMessage WHERE createdAt >= ? AND createdAt < ?",
                                      arguments: [since, horizon.timeIntervalSince1970])
        }
    }

    /// Deletes `orphans` and records that every row before `horizon` has been checked.
    func finishSweep(deleting orphans: [Int64], until horizon: Date) throws {
        try queue.write { db in
            try RawMessageFile.delete(orphans, in: db)
            try db.execute(sql: "INSERT INTO sweep(id, checkedUntil) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checkedUntil = excluded.checkedUntil",
                           arguments: [horizon.timeIntervalSince1970])
        }
    }

    /// Every key in the file, referenced or not; the bytes are not read.
    func keys() throws -> [Int64] {
        try queue.read { db in try Int64.fetchAll(db, sql: "SELECT key FROM rawMessage") }
    }

    /// Replaces one row's bytes (redaction by `forget`; the key keeps its meaning).
    func replace(key: Int64, with bytes: [UInt8]) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE rawMessage SET bytes = ? WHERE key = ?", arguments: [Data(bytes), key])
        }
    }

    func vacuum() throws {
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
    }
}
