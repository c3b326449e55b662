import Testing
@testable import IMAP

@Suite struct MailboxNameTests {
    @Test(arguments: [
        ("INBOX", "INBOX"),
        ("Kontakt/Behandlat", "Kontakt/Behandlat"),
        ("Skräp", "Skr&AOQ-p"),
        ("Åtgärder & frågor", "&AMU-tg&AOQ-rder &- fr&AOU-gor"),
        ("日本語", "&ZeVnLIqe-"),
    ])
    func modifiedUTF7(name: String, encoded: String) {
        #expect(MailboxName(name).modifiedUTF7 == encoded)
    }

    @Test func quotedForCommandEscapesQuotesBackslashesAndPercent() {
        #expect(MailboxName("a\"b\\c%d").quotedForCommand == "\"a\\\"b\\\\c%25d\"")
    }

    @Test func urlPathKeepsHierarchyAndEscapesSpaces() {
        #expect(MailboxName("Sent Items/2026").urlPath == "Sent%20Items/2026")
    }
}
