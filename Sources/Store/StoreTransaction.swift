import Foundation
import GRDB

/// The store's operations, available inside one transaction (`Store.write` / `Store.read`).
///
/// The rest of Kontakt speaks to SQLite only through these methods, grouped by domain in
/// `StoreTransaction+*.swift` files. Keeping them on a transaction value means a use case
/// that needs "check, then insert" gets both in the same transaction by construction.
public struct StoreTransaction {
    let db: Database
    let raw: RawMessageFile
    /// Raw keys this transaction has found to exist (`confirmRaw`).
    let confirmedRaw = ConfirmedRawKeys()

    /// Escape hatch for tests that assert on the schema itself.
    public func scalar(_ sql: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: sql)
    }

    public func setValue(_ value: String, forKey key: String) throws {
        try db.execute(sql: "INSERT INTO keyValue(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }

    public func value(forKey key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM keyValue WHERE key = ?", arguments: [key])
    }
}

/// The raw keys one transaction has checked; a class because `StoreTransaction` is passed by value.
final class ConfirmedRawKeys {
    var keys: Set<Int64> = []
}
