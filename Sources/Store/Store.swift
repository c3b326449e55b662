import Foundation
import GRDB

/// Kontakt's one store: an SQLite file reached only through this type.
///
/// Everything Kontakt knows lives here — conversations, the outbox, campaigns, and beside them,
/// in `RawMessageFile`, the raw messages — so that "committed" has one meaning: a transaction
/// in this file. The files are created with mode 0600 (mail is personal data),
/// `secure_delete` overwrites what is deleted (so `forget` leaves no readable trace in free
/// pages), and WAL lets `kontakt queue` read while a poll writes.
public final class Store: @unchecked Sendable {
    public let path: String
    /// Serialises all access; GRDB checks out one connection per call.
    let writer: DatabaseQueue
    /// Raw message bytes, committed before any row here refers to them.
    let raw: RawMessageFile
    /// The raw file's path (`kontakt.raw.sqlite` beside `kontakt.sqlite`): back up both.
    public var rawPath: String { RawMessageFile.path(forStore: path) }

    /// Opens (creating if needed) the store at `path` and runs pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "cannot create its folder: \(error.localizedDescription)")
            }
        }
        // Create the files owner-only before SQLite does, whatever the umask.
        let previous = umask(0o077)
        defer { umask(previous) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        // GRDB's migrator reads which migrations are applied before it opens the transaction
        // that applies one, so two processes opening a new store at once (a cron poll and the
        // director's `kontakt queue`) could both create the same table, and one would fail.
        // A lock held from here until both files are migrated makes them take turns.
        let migrationLock = try Store.lockForMigration(path + ".migrate.lock", store: path)
        defer { close(migrationLock) }
        do {
            raw = try RawMessageFile(path: RawMessageFile.path(forStore: path))
            writer = try DatabaseQueue(path: path, configuration: configuration)
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                // FULL: a commit is on disk when it returns. The poller changes the server (MOVE)
                // right after a commit; with NORMAL a power cut could roll back a commit whose
                // messages had already been moved out of the folder the poller reads.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try Migrations.migrator(raw: raw).migrate(writer)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        for file in [path, path + "-wal", path + "-shm", rawPath] {
            chmod(file, 0o600)
        }
    }

    /// Opens `lockPath` and waits for an exclusive flock on it; closing the descriptor
    /// releases it, as does the kernel when the process dies.
    private static func lockForMigration(_ lockPath: String, store: String) throws(StoreError) -> Int32 {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError.cannotOpen(path: store, reason: "cannot create \(lockPath): \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw StoreError.cannotOpen(path: store, reason: "cannot lock \(lockPath): \(reason)")
            }
        }
        return fd
    }

    /// An in-memory store for tests of pure use-case logic.
    public init() throws {
        path = ":memory:"
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        writer = try DatabaseQueue(configuration: configuration)
        raw = try RawMessageFile()
        try Migrations.migrator(raw: raw).migrate(writer)
    }

    /// Runs `body` in one write transaction: all of it is committed, or none.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try writer.write { db in try body(StoreTransaction(db: db, raw: raw)) }
    }

    /// Runs `body` on a consistent snapshot.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try writer.read { db in try body(StoreTransaction(db: db, raw: raw)) }
    }

    /// Names of the migrations applied, oldest first (for `kontakt status` and tests).
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Migrations.migrator(raw: raw).appliedMigrations(db) }
    }
}

/// Why the store could not do what was asked.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case notFound(what: String)
    case conflict(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the store \(path): \(reason) — check [store] path and its folder's permissions"
        case .notFound(let what): return "\(what) does not exist"
        case .conflict(let text): return text
        }
    }
}
