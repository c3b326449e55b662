import Curl
import Testing
@testable import SMTP

@Suite struct SMTPEnvelopeTests {
    @Test(arguments: [
        "anna@example.se", "a.b+c@kommun.example.se", "x@a.b",
    ])
    func plainAddressesAreSafe(_ address: String) {
        #expect(SMTPEnvelope.isSafe(address))
    }

    @Test(arguments: [
        "anna@example.se\r\nRCPT TO:<evil@example.com>", "anna@example.se\n", "a b@example.se", "<anna@example.se>",
        "anna", "@example.se", "anna@", "anna@example", "anna@@example.se", "a,b@example.se", "anna@example..se",
        "anna@example.se\u{0}", String(repeating: "a", count: 65) + "@example.se",
    ])
    func injectionAndMalformedAddressesAreRefused(_ address: String) {
        #expect(!SMTPEnvelope.isSafe(address))
        #expect(throws: SMTPError.self) { try SMTPEnvelope(sender: "kontakt@example.se", recipients: [address]) }
    }

    @Test func nullSenderIsAllowedButNotAnEmptyRecipientList() throws {
        _ = try SMTPEnvelope(sender: "", recipients: ["a@example.se"])
        #expect(throws: SMTPError.self) { try SMTPEnvelope(sender: "", recipients: []) }
    }

    @Test func errorMessagesDoNotEchoTheAddress() {
        do {
            _ = try SMTPEnvelope(sender: "x@example.se", recipients: ["secret.person@example.se\r\nDATA"])
            Issue.record("expected a refusal")
        } catch {
            #expect(!error.description.contains("secret.person"))
            #expect(error.description.contains("line break"))
        }
    }
}

@Suite struct SMTPTranscriptTests {
    @Test func readsEachRecipientsReplyInOrder() {
        let transcript: [TranscriptLine] = [
            .sent("EHLO client"), .received("250-mail.example.se"), .received("250 SIZE 1000"),
            .sent("(redacted)"), .received("235 2.7.0 Authentication successful"),
            .sent("MAIL FROM:<kontakt@example.se> SIZE=10"), .received("250 2.1.0 Ok"),
            .sent("RCPT TO:<a@example.se>"), .received("250 2.1.5 Ok"),
            .sent("RCPT TO:<avvisad@example.se>"), .received("550 5.1.1 <avvisad@example.se>: Recipient address rejected"),
            .sent("DATA"), .received("354 End data"), .received("250 2.0.0 Ok: queued as ABC"),
        ]
        let replies = SMTPTranscript.recipientReplies(transcript)
        #expect(replies.map(\.address) == ["a@example.se", "avvisad@example.se"])
        #expect(replies.map(\.code) == [250, 550])
        #expect(replies[0].accepted && !replies[1].accepted)
        #expect(SMTPTranscript.lastReply(transcript) == "250 2.0.0 Ok: queued as ABC")
    }

    @Test func classifiesReplyCodes() {
        #expect(SMTPError.kind(forCode: 451) == .temporaryRejection)
        #expect(SMTPError.kind(forCode: 550) == .permanentRejection)
    }
}
