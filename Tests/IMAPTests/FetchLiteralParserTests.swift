import Testing
@testable import IMAP

/// The batch FETCH path trusts only literals it can verify; everything else must come back
/// as missing so the poller fetches it through a URL instead.
@Suite struct FetchLiteralParserTests {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func parsesTwoCompleteLiterals() {
        let body1 = "Subject: a\r\n\r\nhej\r\n"
        let body2 = "Subject: b\r\n\r\nå\r\n"
        let raw = "* 1 FETCH (UID 7 BODY[] {\(body1.utf8.count)}\r\n\(body1))\r\n"
            + "* 2 FETCH (UID 8 BODY[] {\(body2.utf8.count)}\r\n\(body2))\r\n"
            + "A004 OK Fetch completed.\r\n"
        let result = FetchLiteralParser.parse(bytes(raw))
        #expect(result.bodies[7] == bytes(body1))
        #expect(result.bodies[8] == bytes(body2))
        #expect(result.endedCleanly)
    }

    @Test func uidAfterTheLiteralIsFound() {
        let body = "x\r\n"
        let raw = "* 1 FETCH (BODY[] {3}\r\n\(body) UID 42)\r\nA1 OK done\r\n"
        #expect(FetchLiteralParser.parse(bytes(raw)).bodies[42] == bytes(body))
    }

    @Test func aLiteralCutShortByATagLookalikeIsNotTrusted() {
        // libcurl ends the response at a body line starting with the tag: the literal comes back short.
        let raw = "* 1 FETCH (UID 7 BODY[] {100}\r\nSubject: evil\r\n\r\nA005 OK fooled you\r\n"
        let result = FetchLiteralParser.parse(bytes(raw))
        #expect(result.bodies.isEmpty)
        #expect(!result.endedCleanly)
    }

    @Test func aLiteralNotFollowedByTheClosingParenthesisIsRejected() {
        let raw = "* 1 FETCH (UID 7 BODY[] {3}\r\nabcdef\r\nA1 OK\r\n"
        #expect(FetchLiteralParser.parse(bytes(raw)).bodies.isEmpty)
    }

    @Test func binaryBytesAndBareLFInsideTheLiteralSurvive() {
        var body: [UInt8] = Array("Subject: bin\r\n\r\n".utf8)
        body += [0, 0xFF, 0x0A, 0x2A, 0x20, 0x0D]
        var raw = bytes("* 1 FETCH (UID 3 BODY[] {\(body.count)}\r\n")
        raw += body
        raw += bytes(")\r\nA2 OK\r\n")
        #expect(FetchLiteralParser.parse(raw).bodies[3] == body)
    }
}
