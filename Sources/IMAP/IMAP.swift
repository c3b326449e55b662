// IMAP
