import GRDB

/// Conversations merged into another keep their id as an alias of it.
///
/// Why: a merged conversation's id lives on outside the store — in the `[Kontakt #7]` tag of
/// every subject we sent, which residents keep when they write again. With the alias the tag
/// still finds the conversation the messages went to, and `show 7` says where they are. The
/// alias goes with its conversation (`ON DELETE CASCADE`: `purge`, `forget`).
func createV7MergedConversations(_ db: Database) throws {
    try db.execute(sql: """
        CREATE TABLE conversationAlias (
            id INTEGER PRIMARY KEY,
            conversationId INTEGER NOT NULL REFERENCES conversation(id) ON DELETE CASCADE
        );
        CREATE INDEX conversationAlias_conversation ON conversationAlias(conversationId);
        """)
}
