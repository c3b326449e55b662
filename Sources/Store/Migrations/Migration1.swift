import GRDB

/// The first schema: what the poller stores, the conversations the director works, and the
/// outbox and campaign ledger that sending fills. Invariants live in the schema (NOT NULL,
/// CHECK, UNIQUE, foreign keys), so a bug elsewhere cannot store a second copy of a message.
func createV1(_ db: Database) throws {
    try db.execute(sql: """
        CREATE TABLE mailbox (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            uidValidity INTEGER,
            highestUID INTEGER NOT NULL DEFAULT 0,
            lastPollAt DATETIME
        );

        CREATE TABLE conversation (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL DEFAULT '',
            normalizedSubject TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL,
            confidence REAL NOT NULL DEFAULT 0,
            topicSource TEXT NOT NULL DEFAULT 'classifier' CHECK (topicSource IN ('classifier', 'director', 'campaign', 'robot')),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
            senderKind TEXT NOT NULL DEFAULT 'resident',
            contactAddress TEXT NOT NULL DEFAULT '',
            contactName TEXT,
            language TEXT NOT NULL DEFAULT 'sv',
            weakMatch TEXT,
            isRobot BOOLEAN NOT NULL DEFAULT 0,
            createdAt DATETIME NOT NULL,
            lastActivityAt DATETIME NOT NULL,
            firstAnsweredAt DATETIME,
            closedAt DATETIME
        );
        CREATE INDEX conversation_status ON conversation(status, topic);
        CREATE INDEX conversation_subject ON conversation(normalizedSubject);

        CREATE TABLE conversationParticipant (
            conversationId INTEGER NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            PRIMARY KEY (conversationId, address)
        ) WITHOUT ROWID;
        CREATE INDEX conversationParticipant_address ON conversationParticipant(address);

        CREATE TABLE message (
            id INTEGER PRIMARY KEY,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            conversationId INTEGER REFERENCES conversation(id) ON DELETE SET NULL,
            mailboxId INTEGER REFERENCES mailbox(id),
            uidValidity INTEGER,
            uid INTEGER,
            messageID TEXT,
            contentHash TEXT NOT NULL,
            raw BLOB,
            size INTEGER NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            fromAddress TEXT NOT NULL DEFAULT '',
            fromName TEXT,
            toAddresses TEXT NOT NULL DEFAULT '[]',
            ccAddresses TEXT NOT NULL DEFAULT '[]',
            replyTo TEXT,
            sentAt DATETIME,
            receivedAt DATETIME NOT NULL,
            inReplyTo TEXT,
            referencesList TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            newText TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ('accepted', 'quarantined', 'oversize', 'robot')),
            robotKind TEXT,
            robotDetail TEXT,
            defects TEXT NOT NULL DEFAULT '[]',
            isBacklog BOOLEAN NOT NULL DEFAULT 0,
            outboxId INTEGER,
            UNIQUE (mailboxId, uidValidity, uid)
        );
        CREATE INDEX message_messageID ON message(messageID);
        CREATE INDEX message_contentHash ON message(contentHash);
        CREATE INDEX message_conversation ON message(conversationId);
        CREATE INDEX message_state ON message(state);
        CREATE INDEX message_from ON message(fromAddress);

        CREATE TABLE attachment (
            id INTEGER PRIMARY KEY,
            messageId INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            filename TEXT,
            contentType TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL
        );
        CREATE INDEX attachment_message ON attachment(messageId);

        CREATE TABLE serverAction (
            id INTEGER PRIMARY KEY,
            mailboxName TEXT NOT NULL,
            uidValidity INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('move', 'flag')),
            target TEXT,
            createdAt DATETIME NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            lastError TEXT,
            UNIQUE (mailboxName, uidValidity, uid)
        );

        CREATE TABLE event (
            id INTEGER PRIMARY KEY,
            at DATETIME NOT NULL,
            conversationId INTEGER REFERENCES conversation(id) ON DELETE CASCADE,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX event_conversation ON event(conversationId);

        CREATE TABLE note (
            id INTEGER PRIMARY KEY,
            conversationId INTEGER NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
            at DATETIME NOT NULL,
            text TEXT NOT NULL
        );

        CREATE TABLE correction (
            id INTEGER PRIMARY KEY,
            at DATETIME NOT NULL,
            conversationId INTEGER REFERENCES conversation(id) ON DELETE SET NULL,
            text TEXT NOT NULL,
            label TEXT NOT NULL
        );

        CREATE TABLE pollRun (
            id INTEGER PRIMARY KEY,
            startedAt DATETIME NOT NULL,
            finishedAt DATETIME,
            ok BOOLEAN NOT NULL DEFAULT 0,
            fetched INTEGER NOT NULL DEFAULT 0,
            stored INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            quarantined INTEGER NOT NULL DEFAULT 0,
            oversize INTEGER NOT NULL DEFAULT 0,
            robots INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );

        CREATE TABLE campaign (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            template TEXT NOT NULL,
            subject TEXT NOT NULL,
            topic TEXT,
            attachments TEXT NOT NULL DEFAULT '[]',
            createdAt DATETIME NOT NULL
        );

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('reply', 'receipt', 'campaign')),
            conversationId INTEGER REFERENCES conversation(id) ON DELETE SET NULL,
            campaignId INTEGER REFERENCES campaign(id) ON DELETE CASCADE,
            messageID TEXT NOT NULL UNIQUE,
            envelopeFrom TEXT NOT NULL,
            recipients TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            raw BLOB,
            spec TEXT,
            state TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            nextAttemptAt DATETIME NOT NULL,
            createdAt DATETIME NOT NULL,
            sentAt DATETIME,
            lastError TEXT,
            recipientResults TEXT NOT NULL DEFAULT '[]',
            createdBy TEXT NOT NULL DEFAULT 'director'
        );
        CREATE INDEX outbox_due ON outbox(state, nextAttemptAt);
        CREATE INDEX outbox_conversation ON outbox(conversationId);

        CREATE TABLE campaignRecipient (
            id INTEGER PRIMARY KEY,
            campaignId INTEGER NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            variables TEXT NOT NULL DEFAULT '{}',
            line INTEGER NOT NULL,
            token TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'deferred', 'failed', 'bounced')),
            detail TEXT,
            outboxId INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
            updatedAt DATETIME NOT NULL,
            UNIQUE (campaignId, email)
        );

        CREATE TABLE keyValue (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE VIRTUAL TABLE messageSearch USING fts5(
            subject, text, sender,
            tokenize = 'unicode61 remove_diacritics 2'
        );
        """)
}
