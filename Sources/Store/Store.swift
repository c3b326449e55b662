import Foundation
import GRDB

/// Kontakt's one store: an SQLite file reached only through this type.
///
/// Everything Kontakt knows lives here — raw messages, conversations, the outbox, campaigns —
/// so that "committed" has one meaning: a transaction in this file. The file and its WAL are
/// created with mode 0600 (mail is personal data), `secure_delete` overwrites what is deleted
/// (so `forget` leaves no readable trace in free pages), and WAL lets `kontakt queue` read
/// while a poll writes.
public final class Store: @unchecked Sendable {
    public let path: String
    /// Serialises all access; GRDB checks out one connection per call.
    let writer: DatabaseQueue

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
        do {
            writer = try DatabaseQueue(path: path, configuration: configuration)
            try writer.writeWithoutTransaction { db in
                // Raw messages are most of what is written, and SQLite writes them a page at a
                // time, twice (WAL, then checkpoint): 16 KB pages took a quarter of the system
                // calls of the 4 KB default and 0.8 s of system time off a 2,000-message poll,
                // while larger pages cost more on small transactions than they saved
                // (BENCHMARKS.md "## Fetching"). Applies to new stores only; SQLite cannot
                // change the page size of a database in WAL mode.
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // A poll writes raw messages of up to megabytes each: with SQLite's default of a
                // checkpoint every 1,000 pages (4 MB) it checkpointed every few messages, and
                // each checkpoint waits for two fsyncs. 64 MB between checkpoints made a
                // 10,000-message fetch markedly faster (BENCHMARKS.md "## Fetching").
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
            }
            try Migrations.migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        for suffix in ["", "-wal", "-shm"] {
            chmod(path + suffix, 0o600)
        }
    }

    /// An in-memory store for tests of pure use-case logic.
    public init() throws {
        path = ":memory:"
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        writer = try DatabaseQueue(configuration: configuration)
        try Migrations.migrator.migrate(writer)
    }

    /// Runs `body` in one write transaction: all of it is committed, or none.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try writer.write { db in try body(StoreTransaction(db: db)) }
    }

    /// Runs `body` on a consistent snapshot.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try writer.read { db in try body(StoreTransaction(db: db)) }
    }

    /// Names of the migrations applied, oldest first (for `kontakt status` and tests).
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Migrations.migrator.appliedMigrations(db) }
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
