import Testing
@testable import IMAP

@Suite struct IMAPResponseTests {
    @Test func searchIgnoresOtherUntaggedLines() {
        let lines = ["* 3 EXISTS", "* SEARCH 4 9 12", "* SEARCH", "* 1 RECENT"]
        #expect(IMAPResponse.searchUIDs(lines) == [4, 9, 12])
    }

    @Test func statusReadsItemsAfterAQuotedName() {
        let lines = ["* STATUS \"Kontakt (arkiv)\" (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 1700)"]
        let items = IMAPResponse.statusItems(lines)
        #expect(items["MESSAGES"] == 3)
        #expect(items["UIDNEXT"] == 9)
        #expect(items["UIDVALIDITY"] == 1700)
    }

    @Test func capabilitiesFromUntaggedAndResponseCode() {
        #expect(IMAPResponse.capabilities(["* CAPABILITY IMAP4rev1 MOVE UIDPLUS"]) == ["IMAP4REV1", "MOVE", "UIDPLUS"])
        #expect(IMAPResponse.capabilities(["A001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in"]).contains("IDLE"))
    }

    @Test func fetchSizesAcceptItemsInAnyOrder() {
        let lines = ["* 1 FETCH (UID 17 RFC822.SIZE 2048)", "* 2 FETCH (RFC822.SIZE 99 UID 18)", "* 3 FETCH (FLAGS (\\Seen))"]
        #expect(IMAPResponse.fetchSizes(lines) == [17: 2048, 18: 99])
    }

    @Test func uidSetsCompressRangesAndSplitLongSets() {
        #expect(IMAPClient.uidSets([5, 1, 2, 3, 9, 10]) == ["1:3,5,9:10"])
        let sets = IMAPClient.uidSets(Array(1...1200).map { UInt32($0 * 2) }, limit: 500)
        #expect(sets.count == 3)
        #expect(sets[0].hasPrefix("2,4,6"))
    }

    @Test func serverRootAndMailboxPath() {
        #expect(IMAPClient.serverRoot(of: "imaps://imap.example.se:993/INBOX") == "imaps://imap.example.se:993")
        #expect(IMAPClient.mailboxPath(of: "imaps://h/Kontakt%20In") == "Kontakt In")
        #expect(IMAPClient.mailboxPath(of: "imaps://h") == nil)
    }
}
