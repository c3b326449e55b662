import GRDB

/// Retention bookkeeping: when a conversation or a message had its personal data removed by
/// `kontakt purge`. The row itself stays (topic, sender kind and dates feed the anonymous
/// statistics); `purgedAt` keeps a second purge from counting it again and lets reports tell
/// "anonymised" from "never had a subject".
func createV2Operations(_ db: Database) throws {
    try db.execute(sql: """
        ALTER TABLE conversation ADD COLUMN purgedAt DATETIME;
        ALTER TABLE message ADD COLUMN purgedAt DATETIME;
        CREATE INDEX conversation_closed ON conversation(status, closedAt);
        CREATE INDEX conversation_contact ON conversation(contactAddress);
        """)
}
