import Curl
import Foundation
import IMAP
import SMTP
import Testing

/// The real Dovecot and Postfix that `scripts/mailstack` runs on loopback, as tests see them.
///
/// `scripts/test` starts the stack and exports its settings; tests are enabled only when
/// they are present, and `StackPresenceTests` fails under CI when they are not, so a
/// broken stack can never silently turn the protocol tests off.
struct MailStack: Sendable {
    let directory: String
    let caFile: String
    let password: String
    let passwordFile: String
    /// The OAuth 2 bearer token the stack's Dovecot accepts for XOAUTH2/OAUTHBEARER (also for
    /// Postfix's submission, which authenticates through Dovecot).
    let oauthTokenFile: String
    let imapPort: Int
    let imapsPort: Int
    let imapNoMovePort: Int
    let smtpPort: Int
    let submissionPort: Int
    let smtpsPort: Int

    static let shared: MailStack? = {
        let env = ProcessInfo.processInfo.environment
        guard let dir = env["KONTAKT_STACK_DIR"], let ca = env["KONTAKT_STACK_CA"],
              let pwFile = env["KONTAKT_STACK_PASSWORD_FILE"],
              let pw = try? String(contentsOfFile: pwFile, encoding: .utf8) else { return nil }
        func port(_ key: String, _ fallback: Int) -> Int { Int(env[key] ?? "") ?? fallback }
        return MailStack(directory: dir, caFile: ca, password: pw.trimmingCharacters(in: .newlines), passwordFile: pwFile,
                         oauthTokenFile: env["KONTAKT_STACK_OAUTH_TOKEN_FILE"] ?? dir + "/oauth-token",
                         imapPort: port("KONTAKT_STACK_IMAP_PORT", 14143), imapsPort: port("KONTAKT_STACK_IMAPS_PORT", 14993),
                         imapNoMovePort: port("KONTAKT_STACK_IMAP_NOMOVE_PORT", 14144),
                         smtpPort: port("KONTAKT_STACK_SMTP_PORT", 14025),
                         submissionPort: port("KONTAKT_STACK_SUBMISSION_PORT", 14587),
                         smtpsPort: port("KONTAKT_STACK_SMTPS_PORT", 14465))
    }()

    static var available: Bool { shared != nil }

    /// A fresh address on a local domain, so parallel tests never share a mailbox.
    static func uniqueAddress(_ prefix: String = "kontakt", domain: String = "kommun.example.se") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@\(domain)"
    }

    func imapConnection(user: String, port: Int? = nil) -> CurlConnection {
        var c = CurlConnection(url: "imaps://127.0.0.1:\(port ?? imapsPort)", username: user, password: password)
        c.caFile = caFile
        return c
    }

    func imap(user: String, port: Int? = nil) throws -> IMAPClient {
        if let port, port != imapsPort {
            var c = imapConnection(user: user)
            c.url = "imap://127.0.0.1:\(port)"
            c.requireTLS = true
            return try IMAPClient(connection: c)
        }
        return try IMAPClient(connection: imapConnection(user: user))
    }

    /// Delivers a message through Postfix's MX-like port, as a resident's mail server would.
    func deliver(_ raw: [UInt8], from sender: String, to recipients: [String]) throws {
        var c = CurlConnection(url: "smtp://127.0.0.1:\(smtpPort)")
        c.caFile = caFile
        c.requireTLS = true
        let client = try SMTPClient(connection: c)
        _ = try client.send(try SMTPEnvelope(sender: sender, recipients: recipients), message: BytesUpload(raw))
    }

    /// Waits until `mailbox` of `user` holds at least `count` messages (Postfix delivers
    /// asynchronously) and returns them, oldest first.
    func waitForMessages(user: String, mailbox: String = "INBOX", count: Int, timeout: TimeInterval = 20) throws -> [[UInt8]] {
        let client = try imap(user: user)
        let box = MailboxName(mailbox)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if (try? client.mailboxExists(box)) == true {
                let status = try client.status(box)
                if status.messages >= count {
                    let uids = try client.uids(in: box, from: 1, below: status.uidNext)
                    return try uids.map { try client.fetch(uid: $0, in: box, uidValidity: status.uidValidity) }
                }
            }
            if Date() > deadline {
                throw StackError("timed out waiting for \(count) messages in \(mailbox) of \(user)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Number of messages in a mailbox right now (0 when it does not exist).
    func messageCount(user: String, mailbox: String = "INBOX") throws -> Int {
        let client = try imap(user: user)
        guard try client.mailboxExists(MailboxName(mailbox)) else { return 0 }
        return try client.status(MailboxName(mailbox)).messages
    }

    /// Number of messages without `\Seen` in a mailbox right now.
    func unseenCount(user: String, mailbox: String = "INBOX") throws -> Int {
        try imap(user: user).unseenCount(MailboxName(mailbox))
    }

    /// Runs `scripts/mailstack ARGS` (stop/start a service for outage tests).
    ///
    ///
    /// Run with posix_spawn and waitpid rather than Foundation's Process, and with output to a
    /// log file rather than a pipe: the daemons the script starts inherit its descriptors, so a
    /// pipe would never close, and Foundation's Process was seen never to notice the script's exit.
    func control(_ arguments: String...) throws {
        let log = directory + "/control.log"
        let script = Repo.root + "/scripts/mailstack"
        let command = ([script] + arguments).map { "'\($0)'" }.joined(separator: " ") + " >>'\(log)' 2>&1 </dev/null"
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var env = ProcessInfo.processInfo.environment
        env["KONTAKT_STACK_DIR"] = directory
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, envp)
        guard rc == 0 else { throw StackError("cannot run scripts/mailstack: \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw StackError("scripts/mailstack \(arguments.joined(separator: " ")) failed: \(text.suffix(500))")
        }
    }
}

struct StackError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A minimal RFC 5322 message for tests that play a resident.
func testMessage(from: String, to: String, subject: String, body: String, messageID: String? = nil,
                 extraHeaders: [String] = []) -> [UInt8] {
    let encodedSubject = "=?utf-8?B?\(Data(subject.utf8).base64EncodedString())?="
    var lines = [
        "From: Test Person <\(from)>",
        "To: \(to)",
        "Subject: \(encodedSubject)",
        "Date: Mon, 23 Nov 2026 10:00:00 +0100",
        "Message-ID: <\(messageID ?? UUID().uuidString + "@test.example.se")>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    lines += extraHeaders
    let text = lines.joined(separator: "\r\n") + "\r\n\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
    return Array(text.utf8)
}

extension MailStack {
    /// Puts messages straight into a mailbox with IMAP APPEND over one connection: the fast way
    /// to fill a mailbox with hundreds of messages (Postfix would take much longer).
    func append(_ messages: [[UInt8]], user: String, mailbox: String = "INBOX") throws {
        let client = try imap(user: user)
        let box = MailboxName(mailbox)
        try client.createMailboxIfMissing(box)
        for message in messages {
            try client.append(BytesUpload(message), to: box)
        }
    }

    /// Deletes a mailbox (for UIDVALIDITY tests); INBOX cannot be deleted.
    func deleteMailbox(_ mailbox: String, user: String) throws {
        let c = imapConnection(user: user)
        let handle = try CurlHandle()
        var request = CurlRequest(url: c.url + "/", connection: c)
        request.customRequest = "DELETE \(MailboxName(mailbox).quotedForCommand)"
        _ = try handle.perform(request)
    }
}
