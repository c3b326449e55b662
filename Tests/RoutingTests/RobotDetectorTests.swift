import Testing
@testable import Routing

@Suite struct RobotDetectorTests {
    static let own = "kontakt@kommun.example.se"

    func verdict(headers: [(String, String)] = [], subject: String = "Fråga om dagen", from: String = "anna@example.com",
                 text: String = "Hej, när börjar dagen?", contentType: String = "text/plain; charset=utf-8",
                 returnPath: String? = "anna@example.com", deliveryStatus: String? = nil,
                 returnedHeaders: String? = nil) -> RobotVerdict {
        RobotDetector.verdict(for: RobotEvidence(
            headers: headers.map { (name: $0.0, value: $0.1) }, subject: subject, fromAddress: from,
            returnPath: returnPath, text: text, contentType: contentType, deliveryStatus: deliveryStatus,
            returnedHeaders: returnedHeaders, ownLoopID: Self.own))
    }

    /// The one-pass phrase text equals what it replaced: the whole text lowercased, folded,
    /// and its whitespace runs collapsed (the phrases it is searched for are ASCII).
    @Test func phraseTextIsTheLowercasedFoldedTextWithSpacesCollapsed() {
        func reference(_ text: String) -> [UInt8] {
            var out = String.UnicodeScalarView()
            var pendingSpace = false
            for scalar in Folding.fold(text.lowercased()).unicodeScalars {
                if scalar.properties.isWhitespace {
                    pendingSpace = !out.isEmpty
                    continue
                }
                if pendingSpace {
                    out.append(" ")
                    pendingSpace = false
                }
                out.append(scalar)
            }
            return Array(String(out).utf8)
        }
        var samples = [
            "", "   ", "Jag ÄR Ledig\t\r\n till  och MED 3/8", "ÅÄÖ åäö ÉÈ Ü ß Æ Ø", "a\u{308}r  o\u{308}  \u{301}x",
            "ΣΟΦΙΑ Σ", "İstanbul DŽ ǅ", "I AM OUT\u{00A0}OF THE\u{2003}OFFICE", "tab\u{000B}vt\u{000C}ff\u{2028}ls",
            "emoji 👋🏽 HEJ", "\u{0000}nul \u{FFFD}", " leading and trailing ",
        ]
        samples += Fixtures.randomTexts(500, from: "aZåÄöÉ \t\n\u{A0}\u{308}\u{301}ΣßİDž👋.,?", maxLength: 40)
        for text in samples {
            #expect(RobotDetector.phraseSearchBytes(text) == reference(text), "\(text.debugDescription)")
        }
    }

    @Test func ordinaryMailIsHuman() {
        #expect(verdict() == .human)
        #expect(verdict(headers: [("Auto-Submitted", "no")]) == .human)
        #expect(verdict(headers: [("Precedence", "first-class")]) == .human)
        #expect(verdict(headers: [("X-Auto-Response-Suppress", "DR, RN, NRN")]) == .human)
    }

    @Test(arguments: [
        ("Auto-Submitted", "auto-replied"),
        ("Auto-Submitted", "auto-generated; owner-email=\"x@example.com\""),
        ("X-Autoreply", "yes"),
        ("X-Autorespond", "Thank you"),
        ("Precedence", "bulk"),
        ("Precedence", "junk"),
        ("Precedence", "auto_reply"),
        ("Precedence", "list"),
        ("X-Auto-Response-Suppress", "OOF"),
        ("X-Auto-Response-Suppress", "All"),
        ("x-auto-response-suppress", "DR, OOF, AutoReply"),
    ])
    func autoReplyHeaders(name: String, value: String) {
        guard case .autoReply = verdict(headers: [(name, value)]) else {
            Issue.record("\(name): \(value) should be an auto-reply"); return
        }
    }

    @Test(arguments: ["Frånvaromeddelande: Anna Svensson", "Automatiskt svar: Fråga om dagen", "Autosvar", "Out of Office: question",
                      "SV: Franvaromeddelande", "Automatic reply: Manager day"])
    func outOfOfficeSubjects(subject: String) {
        guard case .autoReply = verdict(subject: subject, text: "Tack för ditt mejl.") else {
            Issue.record("\(subject) should be an auto-reply"); return
        }
    }

    @Test func outOfOfficeBodiesInSwedishAndEnglish() {
        let swedish = "Hej!\nJag är på semester till och med 4 augusti och läser inte min e-post.\nVid brådskande ärenden, ring växeln."
        guard case .autoReply = verdict(subject: "SV: Chefens dag", text: swedish) else { Issue.record("Swedish OOF missed"); return }
        let unaccented = "Hej, jag ar ledig till och med mandag. Mvh"
        guard case .autoReply = verdict(subject: "Re: Material", text: unaccented) else { Issue.record("folded OOF missed"); return }
        let english = "Thank you for your message. I am out of the office until 12 August with limited access to email."
        guard case .autoReply = verdict(subject: "Re: Slides", text: english) else { Issue.record("English OOF missed"); return }
        // A person mentioning their leave while asking something is still a person.
        #expect(verdict(text: "Jag är ledig till och med fredag, men kan ni skicka materialet?") == .human)
    }

    @Test func mailingListsByListIdOrUnsubscribeWithPrecedence() {
        #expect(verdict(headers: [("List-Id", "Chefsnytt <chefsnytt.lists.example.se>")]) == .mailingList(id: "chefsnytt.lists.example.se"))
        #expect(verdict(headers: [("Precedence", "list"), ("List-Unsubscribe", "<mailto:leave@lists.example.se>")])
                == .mailingList(id: "<mailto:leave@lists.example.se>"))
    }

    @Test func ourOwnLoopHeaderIsALoop() {
        guard case .loop = verdict(headers: [("X-Loop", "kontakt@kommun.example.se")]) else { Issue.record("loop missed"); return }
        #expect(verdict(headers: [("X-Loop", "helpdesk@annan.example.org")]) == .human)
    }

    static let postfixDSN = """
        Reporting-MTA: dns; mail.kommun.example.se
        X-Postfix-Queue-ID: 4F2A81C0A3
        X-Postfix-Sender: rfc822; kontakt@kommun.example.se
        Arrival-Date: Thu, 20 Mar 2025 10:02:11 +0100 (CET)

        Final-Recipient: rfc822; nils.nilsson@example.org
        Original-Recipient: rfc822;Nils.Nilsson@example.org
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mx.example.org
        Diagnostic-Code: smtp; 550 5.1.1 <nils.nilsson@example.org>: Recipient address
            rejected: User unknown in virtual mailbox table
        """

    @Test func postfixDeliveryStatusReport() throws {
        let result = verdict(
            subject: "Undelivered Mail Returned to Sender", from: "MAILER-DAEMON@mail.kommun.example.se",
            text: "This is the mail system at host mail.kommun.example.se.\n\nI'm sorry to have to inform you that your message could not be delivered.",
            contentType: "multipart/report; report-type=delivery-status; boundary=\"4F2A81C0A3.1742461331/mail\"",
            returnPath: "", deliveryStatus: Self.postfixDSN,
            returnedHeaders: "From: kontakt@kommun.example.se\nTo: nils.nilsson@example.org\nMessage-ID:\n <kampanj-17-abc@kommun.example.se>\nSubject: Material")
        guard case .bounce(let report) = result else { Issue.record("expected bounce, got \(result)"); return }
        #expect(report.isPermanent)
        #expect(report.originalMessageID == "kampanj-17-abc@kommun.example.se")
        let recipient = try #require(report.recipients.first)
        #expect(report.recipients.count == 1)
        #expect(recipient.address == "nils.nilsson@example.org")
        #expect(recipient.action == "failed")
        #expect(recipient.status == "5.1.1")
        #expect(recipient.diagnostic == "smtp; 550 5.1.1 <nils.nilsson@example.org>: Recipient address rejected: User unknown in virtual mailbox table")
    }

    @Test func delayWarningIsNotPermanent() {
        let status = "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@example.org\nAction: delayed\nStatus: 4.4.1\n"
        guard case .bounce(let report) = verdict(contentType: "multipart/report; report-type=delivery-status", deliveryStatus: status) else {
            Issue.record("expected bounce"); return
        }
        #expect(!report.isPermanent)
        #expect(report.recipients.first?.status == "4.4.1")
    }

    @Test func nonStandardBounceFromMailerDaemon() throws {
        let text = """
            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              karin.k@foretag.example.com
                host mx.foretag.example.com [192.0.2.7]
                SMTP error from remote mail server after RCPT TO:<karin.k@foretag.example.com>:
                550 5.1.1 No such user here

            ------ This is a copy of the message, including all the headers. ------

            Message-ID: <svar-42-x@kommun.example.se>
            From: kontakt@kommun.example.se
            To: karin.k@foretag.example.com
            """
        let result = verdict(subject: "Mail delivery failed: returning message to sender", from: "Mailer-Daemon@mx.kommun.example.se",
                             text: text, returnPath: "")
        guard case .bounce(let report) = result else { Issue.record("expected bounce, got \(result)"); return }
        #expect(report.isPermanent)
        #expect(report.recipients.map(\.address) == ["karin.k@foretag.example.com"])
        let recipient = try #require(report.recipients.first)
        #expect(recipient.status == "5.1.1")
        #expect(recipient.diagnostic?.contains("No such user") == true)
        #expect(report.originalMessageID == "svar-42-x@kommun.example.se")
    }

    @Test func swedishNonStandardBounce() {
        let text = "Det gick inte att leverera meddelandet till följande mottagare:\n\nolle@example.se\nMottagarens adress finns inte.\n"
        guard case .bounce(let report) = verdict(subject: "Olevererbart: Material från chefens dag", from: "postmaster@example.se", text: text) else {
            Issue.record("expected bounce"); return
        }
        #expect(report.recipients.map(\.address) == ["olle@example.se"])
        #expect(report.recipients.first?.diagnostic == "Mottagarens adress finns inte.")
    }

    @Test func aPersonForwardingABounceSubjectIsHuman() {
        #expect(verdict(subject: "Fwd: Undelivered Mail Returned to Sender", text: "Hej, vad betyder detta?") == .human)
    }

    @Test func readReceiptIsAnAutoReply() {
        guard case .autoReply = verdict(contentType: "multipart/report; report-type=disposition-notification") else {
            Issue.record("MDN missed"); return
        }
    }
}
