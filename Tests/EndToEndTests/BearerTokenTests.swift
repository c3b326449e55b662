import Foundation
import Store
import Testing

/// XOAUTH2 with a bearer token (Microsoft 365, Gmail) against the real Dovecot and Postfix: the
/// stack accepts one token for XOAUTH2/OAUTHBEARER logins and refuses it as a password. Every
/// installation here is given a wrong *password* as well, so a passing login proves the token
/// was what got in.
@Suite(.enabled(if: MailStack.available))
struct BearerTokenTests {
    let stack = MailStack.shared!

    func token() throws -> String {
        try String(contentsOfFile: stack.oauthTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An installation whose IMAP and SMTP logins use `source` (a `bearer_token_file` or
    /// `bearer_token_command` line) and whose password is wrong.
    func installation(_ source: (String) -> String, token: String) throws -> KontaktInstance {
        let directory = NSTemporaryDirectory() + "kontakt-token-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tokenFile = directory + "/token"
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        return try KontaktInstance(stack: stack, imapOverrides: [source(tokenFile)], smtpOverrides: [source(tokenFile)],
                                   password: "not-the-password")
    }

    @Test func pollAndCheckLogInWithATokenFromAFile() throws {
        let kontakt = try installation({ "bearer_token_file = \"\($0)\"" }, token: try token())
        try kontakt.receive(testMessage(from: "a@example.se", to: kontakt.address, subject: "Fråga", body: "Hej!"),
                            from: "a@example.se")
        let poll = try kontakt.run("poll", "--json")
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(poll.stdout.contains("\"stored\" : 1"), "\(poll.stdout)")
        let check = try kontakt.run("check")
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        #expect(check.stdout.contains("ok   imap auth") && check.stdout.contains("ok   smtp auth"), "\(check.stdout)")
    }

    @Test func aReplyIsSentWithATokenFromACommand() throws {
        let kontakt = try installation({ "bearer_token_command = \"cat \($0)\"" }, token: try token())
        let resident = MailStack.uniqueAddress("invanare")
        try kontakt.receive(testMessage(from: resident, to: kontakt.address, subject: "Fråga om seminariet", body: "Hej!"),
                            from: resident)
        #expect(try kontakt.run("poll").status == 0)
        let conversation = try #require(try Store(path: kontakt.storePath).read { tx in
            try tx.conversations(createdSince: nil).first?.id
        })
        let reply = try kontakt.run("reply", "\(conversation)", "-m", "Seminariet börjar kl. 13.", "--send")
        #expect(reply.status == 0, "\(reply.stdout)\n\(reply.stderr)")
        #expect(try stack.waitForMessages(user: resident, count: 1).count == 1)
    }

    @Test func aWrongTokenIsAnAuthenticationFailureAndNeverPrinted() throws {
        let kontakt = try installation({ "bearer_token_file = \"\($0)\"" }, token: "not-the-token-either")
        let poll = try kontakt.run("poll")
        #expect(poll.status != 0 && poll.status != 75, "a refused login needs a human, not a retry: \(poll.status)")
        // The advice names the token, and the server's refusal is shown decoded, not as base64.
        #expect(poll.stderr.contains("bearer token"), "\(poll.stderr)")
        #expect(poll.stderr.contains("\"status\":\"401\""), "\(poll.stderr)")
        #expect(!poll.stderr.contains("not-the-token-either") && !poll.stdout.contains("not-the-token-either"))
    }
}
