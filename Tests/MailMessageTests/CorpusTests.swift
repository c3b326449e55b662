import Foundation
import Testing
@testable import MailMessage

/// Every corpus message, with its subject, addresses, text and attachments asserted.
@Suite struct CorpusTests {
    /// Sanity: all corpus files parse without defects in strict mode, except the ones that are
    /// deliberately broken (listed with the defects they must report).
    /// `defersFileBodies` (what the poller parses with) changes when file bodies are decoded,
    /// never what the message says: over the whole corpus and a few hostile attachments, the
    /// text, the attachments (names, types, sizes, bytes) and the defects are the same.
    @Test func deferredFileBodiesGiveTheSameMessage() throws {
        var samples = try Corpus.allNames().map { try Corpus.bytes($0) }
        for encoding in ["base64", "BASE-64", "7bit", "x-uuencode", "quoted-printable"] {
            samples.append(Array("""
                From: a@example.se\r\nSubject: bilaga\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
                --b\r\nContent-Type: text/plain\r\n\r\nHej!\r\n--b\r\nContent-Type: application/pdf; name=x.pdf\r\n\
                Content-Transfer-Encoding: \(encoding)\r\n\r\nJVBERi0xLjQK!!\r\nJVBER=i0xLjQK\r\n--b\r\n\
                Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo\r\n--b--\r\n
                """.utf8))
        }
        for bytes in samples {
            let eager = try Message.parse(bytes, options: .lenient)
            let deferred = try Message.parse(bytes, options: ParseOptions(defersFileBodies: true))
            #expect(deferred.text == eager.text)
            #expect(deferred.attachments == eager.attachments)
            #expect(deferred.attachments.map(\.size) == eager.attachments.map(\.data.count))
            #expect(deferred.attachments.map(\.sha256) == eager.attachments.map(\.sha256))
            #expect(deferred.defects == eager.defects)
        }
    }

    @Test func strictModeAcceptsCleanMessagesAndRejectsBrokenOnes() throws {
        let broken: [String: Defect] = [
            "19-raw-8bit-headers.eml": .undeclared8BitHeader(name: "From"),
            "20-misspelled-cte-unknown-charset.eml": .misspelledTransferEncoding("Quoted_Printable"),
        ]
        let names = try Corpus.allNames()
        #expect(names.count >= 20)
        for name in names {
            let bytes = try Corpus.bytes(name)
            if let expected = broken[name] {
                #expect(throws: MessageParseError.self) { try Message.parse(bytes, options: .strict) }
                do { _ = try Message.parse(bytes, options: .strict) } catch { #expect(error.defect == expected, "\(name)") }
            } else {
                let m = try Message.parse(bytes, options: .strict)
                #expect(m.defects.isEmpty, "\(name): \(m.defects)")
                #expect(m.messageID != nil, "\(name)")
                #expect(m.date != nil, "\(name)")
                #expect(!m.from.isEmpty, "\(name)")
            }
        }
    }

    @Test func outlookLatin1QuotedPrintableReply() throws {
        let m = try Corpus.message("01-outlook-latin1-qp-reply.eml")
        #expect(m.subject == "SV: Tack för att du deltog i Chefens dag")
        #expect(m.header("Thread-Topic") == "Tack för att du deltog i Chefens dag")
        #expect(m.from == [Address(name: "Karin Berg", address: "karin.berg@kommun.example.se")])
        #expect(m.to == [Address(name: "Kontakt Chefens dag", address: "kontakt@kommun.example.se")])
        #expect(m.inReplyTo == ["20261202081400.abc123@kommun.example.se"])
        #expect(m.references == ["20261202081400.abc123@kommun.example.se"])
        #expect(m.messageID == "AM0PR07MB1234ABCD@AM0PR07MB1234.eurprd07.prod.outlook.example.com")
        #expect(m.date == Date(timeIntervalSince1970: 1_796_202_104))   // 2026-12-02 09:01:44 UTC
        #expect(m.text.hasPrefix("Hej!\n\nTack för en givande dag."))
        #expect(m.text.contains("Skickat: den 2 december 2026 09:14"))
        #expect(m.html?.contains("<p>Hej!</p>") == true)
        #expect(m.newText == "Hej!\n\nTack för en givande dag. Jag undrar om presentationen från seminariet \"Chefens ansvar i vardagen\" kommer att skickas ut till alla deltagare?")
        #expect(m.attachments.isEmpty)
        #expect(m.root.mediaType.essence == "multipart/alternative")
        #expect(m.root.parts.count == 2)
    }

    @Test func windows1252CharactersUnderLatin1Label() throws {
        let m = try Corpus.message("02-cp1252-under-latin1-label.eml")
        #expect(m.subject == "Kostnad för seminariet")
        #expect(m.from == [Address(name: "Ek, Peter", address: "peter.ek@example.com")])
        #expect(m.to == [Address(address: "kontakt@kommun.example.se")])
        #expect(m.text.contains("”Värdet vi skapar tillsammans”"))
        #expect(m.text.contains("1 200 € per person – stämmer det?"))
        #expect(!m.text.contains("\r"))
        #expect(m.newText == "Hej,\n\nVad kostar deltagandet i ”Värdet vi skapar tillsammans”? Jag har hört 1 200 € per person – stämmer det?")
    }

    @Test func windows1252EightBitWithUrsprungligtMeddelande() throws {
        let m = try Corpus.message("03-windows1252-8bit-ursprungligt.eml")
        #expect(m.subject == "SV: Inbjudan till Chefens dag")
        #expect(m.from.first?.name == "Åsa Öberg")
        #expect(m.inReplyTo == ["inbjudan-2026@kommun.example.se"])
        #expect(m.text.contains("-----Ursprungligt meddelande-----"))
        #expect(m.newText == "Hej igen!\n\nKan jag ta med en kollega till seminariet ”Att styra och leda i en gemensam riktning vid förändring och komplexitet”?")
    }

    @Test func gmailAlternativeWithWrappedAttributionAndSignature() throws {
        let m = try Corpus.message("04-gmail-utf8-alternative-quote.eml")
        #expect(m.subject == "Re: Anmälan till Chefens dag")
        #expect(m.from == [Address(name: "Lena Nord", address: "lena.nord@example.se")])
        #expect(m.messageID == "CAF=abc123XYZ+def@mail.gmail.example.com")
        #expect(m.text.contains("> Välkommen till Chefens dag den 10 december!"))
        #expect(m.newText == "Hej!\n\nJag vill gärna anmäla mig till \"Vår utvecklingsresa – mot ett bättre imorgon\".\nFinns det parkering vid konferenslokalen?")
    }

    @Test func encodedWordSplitInsideACharacter() throws {
        let m = try Corpus.message("05-split-encoded-word.eml")
        #expect(m.subject == "Fråga om lunch på Chefens dag – går det att välja vegetariskt?")
        #expect(m.from == [Address(name: "Märta Sjöö", address: "marta.sjoo@example.com")])
        #expect(m.date == Date(timeIntervalSince1970: 1_796_492_640))   // 2026-12-05 17:44 UTC, no weekday, no seconds
        // The closing "Tack på förhand," is not a signature formula: it stays.
        #expect(m.newText == "Hej, jag är vegetarian. Går det att beställa vegetarisk lunch?\n\nTack på förhand,\nMärta")
    }

    @Test func appleMailAttachmentWithRFC2231Filename() throws {
        let m = try Corpus.message("06-applemail-rfc2231-attachment.eml")
        #expect(m.subject == "Utvärdering av Chefens dag")
        #expect(m.attachments.count == 1)
        let a = try #require(m.attachments.first)
        #expect(a.filename == "utvärdering_åäö.pdf")
        #expect(a.contentType == "application/pdf")
        #expect(a.data.starts(with: Array("%PDF-1.4".utf8)))
        #expect(a.size == a.data.count && a.size == 92)
        #expect(a.sha256.count == 64)
        #expect(m.newText == "Hej,\n\nHär kommer vår utvärdering av dagen, som utlovat.")
    }

    @Test func rfc2231ContinuationsAndEncodedWordNames() throws {
        let m = try Corpus.message("07-rfc2231-continuations.eml")
        #expect(m.cc == [Address(name: "Berg, Karin", address: "karin.berg@kommun.example.se"),
                         Address(name: "Erik Ek", address: "erik.ek@example.com")])
        #expect(m.text == "Hej! Se bifogade anteckningar och bild.")
        #expect(m.attachments.map(\.filename) == ["Anteckningar från seminariet Värdet vi skapar tillsammans.txt", "Bild från dagen.png"])
        #expect(m.attachments.map(\.contentType) == ["text/plain", "image/png"])
        #expect(String(decoding: m.attachments[0].data, as: UTF8.self) == "Anteckningar\n- Värdet skapas i mötet\n")
        #expect(m.attachments[1].data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func htmlOnlyBodyBecomesText() throws {
        let m = try Corpus.message("08-html-only.eml")
        #expect(m.from.first?.name == "Anna Ström")
        #expect(m.text == "Hej!\n\nVi är tre personer från Miljöförvaltningen som vill delta.\n\n- Anna\n- Bo\n- Céline\n\nPris: 500 € – ok?\n\nMvh\nAnna Ström")
        #expect(!m.text.contains("color:red") && !m.text.contains("var a"))
        #expect(m.newText.hasSuffix("Pris: 500 € – ok?"))
    }

    @Test func alternativeWithOnlyHTML() throws {
        let m = try Corpus.message("09-alternative-html-only.eml")
        #expect(m.text == "Hej,\nkommer dokumentationen från Chefens ansvar i vardagen att publiceras?\n\nTack!")
        #expect(m.attachments.isEmpty)
    }

    @Test func postfixBounceWithEncapsulatedOriginal() throws {
        let m = try Corpus.message("10-postfix-dsn-rfc822.eml")
        #expect(m.subject == "Undelivered Mail Returned to Sender")
        #expect(m.from == [Address(name: "Mail Delivery System", address: "MAILER-DAEMON@mx.kommun.example.se")])
        #expect(m.header("auto-submitted") == "auto-replied")
        #expect(m.root.mediaType.parameters["report-type"] == "delivery-status")
        #expect(m.text.contains("Recipient address rejected: User unknown"))
        let status = try #require(m.allParts().first { $0.mediaType.essence == "message/delivery-status" })
        let recipients = status.deliveryStatusRecipients
        #expect(recipients.count == 1)
        #expect(recipients.first?.first(named: "Final-Recipient")?.value == "rfc822; okand.person@example.com")
        #expect(recipients.first?.first(named: "Status")?.value == "5.1.1")
        #expect(recipients.first?.first(named: "Action")?.value == "failed")
        let returned = try #require(m.allParts().first { $0.mediaType.essence == "message/rfc822" }?.encapsulated)
        #expect(returned.messageID == "inbjudan-42@kommun.example.se")
        #expect(returned.subject == "Inbjudan till Chefens dag")
        #expect(returned.text == "Välkommen till Chefens dag!")
        #expect(m.attachments.map(\.contentType) == ["message/delivery-status", "message/rfc822"])
    }

    @Test func postfixDelayWithHeadersOnly() throws {
        let m = try Corpus.message("11-postfix-dsn-headers-only.eml")
        let status = try #require(m.allParts().first { $0.mediaType.essence == "message/delivery-status" })
        #expect(status.deliveryStatusRecipients.first?.first(named: "Action")?.value == "delayed")
        #expect(status.deliveryStatusRecipients.first?.first(named: "Diagnostic-Code")?.value
                == "X-Postfix; connect to mx.example.com[198.51.100.9]:25: Connection    timed out")
        let headers = try #require(m.attachments.first { $0.contentType == "text/rfc822-headers" })
        #expect(String(decoding: headers.data, as: UTF8.self).contains("Message-ID: <material-7@kommun.example.se>"))
    }

    @Test func outOfOfficeAutoReply() throws {
        let m = try Corpus.message("12-out-of-office.eml")
        #expect(m.subject == "Automatiskt svar: Material från Chefens dag")
        #expect(m.header("Auto-Submitted") == "auto-replied")
        #expect(m.header("X-Auto-Response-Suppress") == "All")
        #expect(m.inReplyTo == ["material-7@kommun.example.se"])
        #expect(m.newText == "Hej,\n\nJag är på semester till och med 4 januari och läser inte min e-post.\nVid brådskande ärenden, kontakta växeln.")
    }

    @Test func forwardedMessageAsAttachment() throws {
        let m = try Corpus.message("13-forwarded-rfc822.eml")
        #expect(m.subject == "Fwd: Fråga om seminariet")
        #expect(m.text == "Hej, kan ni svara Eva? Jag vidarebefordrar hennes fråga som den kom in.\n\n/Nils")   // format=flowed joined
        let a = try #require(m.attachments.first)
        #expect(a.contentType == "message/rfc822")
        #expect(a.filename == "Fråga om seminariet.eml")
        let inner = try #require(m.root.parts[1].encapsulated)
        #expect(inner.from == [Address(name: "Eva Sund", address: "eva.sund@example.se")])
        #expect(inner.subject == "Fråga om seminariet")
        #expect(inner.text == "Hej Nils! Vem håller seminariet om förändring och komplexitet?")
    }

    @Test func iso885915Euro() throws {
        let m = try Corpus.message("14-iso-8859-15.eml")
        #expect(m.text.contains("950 € inklusive lunch"))
        #expect(m.newText == "Hej! Kursavgiften är 950 € inklusive lunch, stämmer det?")
    }

    @Test func utf16Base64Text() throws {
        let m = try Corpus.message("15-utf16-base64.eml")
        #expect(m.text == "Hej! Finns det platser kvar på \"Vår utvecklingsresa\"? /Ida")
    }

    @Test func appleMailRelatedInlineImage() throws {
        let m = try Corpus.message("16-applemail-related-inline-image.eml")
        #expect(m.subject == "Bild från Chefens dag")   // raw UTF-8 subject
        #expect(m.text == "Här är en bild från dagen.\n\nMvh Johan")
        #expect(m.newText == "Här är en bild från dagen.")
        #expect(m.html?.contains("cid:bild16@example.se") == true)
        #expect(m.attachments.count == 1)
        #expect(m.attachments.first?.filename == "bild.png")
        #expect(m.attachments.first?.contentType == "image/png")
    }

    @Test func smimeSignedText() throws {
        let m = try Corpus.message("17-smime-signed.eml")
        #expect(m.newText == "Hej, fakturan för Chefens dag ska märkas med referens 4711.")
        #expect(m.attachments.map(\.filename) == ["smime.p7s"])
        #expect(m.attachments.first?.data == Array(0..<200).map(UInt8.init))
    }

    @Test func groupsCommentsAndObsoleteSyntax() throws {
        let m = try Corpus.message("18-groups-comments-obsolete.eml")
        #expect(m.from == [Address(name: "Gunnar  Ros", address: "gunnar.ros@kommun.example.se")])
        #expect(m.to == [Address(name: "Berg, Karin", address: "karin.berg@kommun.example.se"),
                         Address(address: "lena.nord@example.se")])
        #expect(m.cc == [Address(name: "Erik Ek", address: "erik.ek@example.com"),
                         Address(address: "tove.lind@example.com"),
                         Address(address: "Olle.Dahl@example.com")])
        #expect(m.replyTo == [Address(name: "Kansliet för Chefens dag", address: "kansli@kommun.example.se")])
        #expect(m.subject == "Schema for the day")
        #expect(m.date == Date(timeIntervalSince1970: 1_797_512_700))   // 17 Dec 2026 14:05 CET
        #expect(m.messageID == "obsolete-18@kommun.example.se")
        #expect(m.references == ["a1@example.se", "a2@example.se", "a3@example.se"])
        #expect(m.inReplyTo == ["a3@example.se"])
        #expect(m.text == "Schemat bifogas senare.")
    }

    @Test func raw8BitHeadersDecodedAsUTF8OrWindows1252() throws {
        let m = try Corpus.message("19-raw-8bit-headers.eml")
        #expect(m.subject == "Fråga om anmälan")
        #expect(m.from == [Address(name: "Björn Ågren", address: "bjorn.agren@example.com")])
        #expect(m.text == "Hej! Jag anmäler mig till seminariet.")    // no charset, Latin-1 bytes
        #expect(m.defects == [.undeclared8BitHeader(name: "From")])
    }

    @Test func misspelledTransferEncodingAndUnknownCharset() throws {
        let m = try Corpus.message("20-misspelled-cte-unknown-charset.eml")
        #expect(m.defects == [.misspelledTransferEncoding("Quoted_Printable"), .unknownCharset("x-klingon-7")])
        #expect(m.text.contains("as well? It would help"))    // soft line break decoded
        #expect(m.newText == "Hello,\n\nWill the seminar \"Chefens ansvar i vardagen\" be held in English as well? It would help our international staff.")
    }

    @Test func englishInlineReplyKeepsAnswersBetweenQuotes() throws {
        let m = try Corpus.message("21-english-inline-reply.eml")
        #expect(m.references == ["invite-0@kommun.example.se", "parking-1@kommun.example.se"])
        #expect(m.newText == "Yes: a parking space for a car with a disability permit.\n\nOnly the first two.")
    }

    @Test func summaryUsesSnakeCaseJSON() throws {
        let m = try Corpus.message("06-applemail-rfc2231-attachment.eml")
        let json = String(decoding: try JSONEncoder().encode(m.summary), as: UTF8.self)
        for key in ["\"message_id\"", "\"in_reply_to\"", "\"new_text\"", "\"content_type\"", "\"sha256\"", "\"defects\""] {
            #expect(json.contains(key), "\(key)")
        }
        #expect(m.summary.date == "2026-12-07T19:12:45Z")
        #expect(m.summary.attachments.first?.sha256 == m.attachments.first?.sha256)
    }
}
