import Foundation
import Testing
@testable import MailMessage

@Suite struct EncodedWordTests {
    func decode(_ s: String) -> (String, [Defect]) {
        var d: [Defect] = []
        return (EncodedWord.decode(s, defects: &d), d)
    }

    @Test func qAndBInAnyCase() {
        #expect(decode("=?utf-8?q?Fr=C3=A5ga_om_dagen?=").0 == "Fråga om dagen")
        #expect(decode("=?UTF-8?B?RnLDpWdh?=").0 == "Fråga")
        #expect(decode("=?iso-8859-1?Q?=E5=E4=F6?=").0 == "åäö")
        #expect(decode("=?windows-1252?Q?=80_=93citat=94?=").0 == "€ “citat”")
        #expect(decode("=?iso-8859-15?q?=A4?=").0 == "€")
    }

    @Test func characterSplitAcrossWordsComesOutWhole() {
        // "å" is C3 A5; the sender put C3 in one word and A5 in the next.
        #expect(decode("=?utf-8?b?w6Q=?= =?utf-8?q?Fr=C3?= =?utf-8?q?=A5ga?=").0 == "äFråga")
        #expect(decode("=?utf-8?B?RnLD?=\r\n =?utf-8?B?pWdh?=").0 == "Fråga")
    }

    @Test func whitespaceRulesBetweenWordsAndText() {
        #expect(decode("=?utf-8?q?a?= =?utf-8?q?b?=").0 == "ab")
        #expect(decode("=?utf-8?q?a?= text =?utf-8?q?b?=").0 == "a text b")
        #expect(decode("SV: =?utf-8?q?Fr=C3=A5ga?=").0 == "SV: Fråga")
        // Different charsets are decoded separately, whitespace still dropped.
        #expect(decode("=?iso-8859-1?q?=E5?= =?utf-8?q?=C3=A4?=").0 == "åä")
    }

    @Test func toleratesCommonMistakes() {
        #expect(decode("=?utf-8?b?RnLDpWdh?=").0 == "Fråga")                 // lower-case b
        #expect(decode("=?utf-8?B?RnLDpWdhIG9t?=").0 == "Fråga om")          // no padding needed
        #expect(decode("=?utf-8?B?RnLDpWdhIG8?=").0 == "Fråga o")             // missing padding
        #expect(decode("Re:=?utf-8?q?Fr=C3=A5ga?=").0 == "Re:Fråga")          // glued to text
        #expect(decode("=?utf-8?q?Fr=C3=A5ga om?=").0 == "Fråga om")          // space inside Q text
        #expect(decode("=?utf-8*sv?q?Fr=C3=A5ga?=").0 == "Fråga")             // RFC 2231 language
        #expect(decode("=?utf-8?x?abc?=").0 == "=?utf-8?x?abc?=")            // unknown encoding: literal
        #expect(decode("=?utf-8?q?unterminated").0 == "=?utf-8?q?unterminated")
        let (s, d) = decode("=?x-unknown?q?abc?=")
        #expect(s == "abc")
        #expect(d == [.unknownCharset("x-unknown")])
    }

    @Test func encodeNeverSplitsCharactersAndStaysWithin75() {
        let text = String(repeating: "Värdet vi skapar tillsammans – åäöÅÄÖé € ", count: 6)
        let words = EncodedWord.encode(text, firstMax: 60)
        #expect(words.count > 3)
        #expect(words[0].count <= 60)
        for w in words { #expect(w.count <= 75); #expect(w.hasPrefix("=?utf-8?")) }
        var d: [Defect] = []
        // Each word decodes on its own to whole characters (no U+FFFD), and together to the text.
        for w in words { #expect(!EncodedWord.decode(w, defects: &d).contains("\u{FFFD}")) }
        #expect(EncodedWord.decode(words.joined(separator: "\r\n "), defects: &d) == text)
        #expect(d.isEmpty)
    }

    @Test func encodeChoosesBForMostlyNonASCII() {
        #expect(EncodedWord.encode("åäöåäöåäö").first?.hasPrefix("=?utf-8?b?") == true)
        #expect(EncodedWord.encode("Fråga om Chefens dag").first?.hasPrefix("=?utf-8?q?") == true)
    }
}

@Suite struct HeaderParserTests {
    func parse(_ s: String, max: Int = 10_000) -> (HeaderParser.Result, [Defect]) {
        var d: [Defect] = []
        let b = Array(s.utf8)
        return (HeaderParser.parse(b, range: 0..<b.count, maxHeaders: max, defects: &d), d)
    }

    @Test func unfoldsContinuationLines() {
        let (r, d) = parse("Subject: Chefens\r\n dag\r\n\tis here\r\nTo: a@example.se\r\n\r\nbody")
        #expect(r.headers.map(\.name) == ["Subject", "To"])
        #expect(r.headers[0].value == "Chefens dag\tis here")
        #expect(d.isEmpty)
        #expect(r.bodyStart == Array("Subject: Chefens\r\n dag\r\n\tis here\r\nTo: a@example.se\r\n\r\n".utf8).count)
    }

    @Test func missingSeparatorStartsBody() {
        let (r, d) = parse("Subject: x\nthis is body text\nmore\n")
        #expect(r.headers.count == 1)
        #expect(d == [.missingHeaderBodySeparator])
        #expect(r.bodyStart == 11)
    }

    @Test func mboxFromLineSkipped() {
        let (r, d) = parse("From anna@example.se Mon Jan  5 10:00:00 2026\nSubject: x\n\n")
        #expect(r.headers.first?.value == "x")
        #expect(d.isEmpty)
    }

    @Test func headerCapRecordsDefect() {
        let many = String(repeating: "X-A: b\n", count: 50) + "\nbody"
        let (r, d) = parse(many, max: 10)
        #expect(r.headers.count == 10)
        #expect(d == [.tooManyHeaders(limit: 10)])
    }

    @Test func sanitizerRemovesLineBreaks() {
        #expect(HeaderSanitizer.clean("Fråga\r\nBcc: evil@example.com") == "Fråga  Bcc: evil@example.com")
        #expect(HeaderSanitizer.clean(" a\u{0}b\u{2028}c\n") == "a b c")
        #expect(HeaderSanitizer.isValidName("X-Loop"))
        #expect(!HeaderSanitizer.isValidName("X Loop"))
        #expect(!HeaderSanitizer.isValidName("X:Loop"))
        #expect(!HeaderSanitizer.isValidName(""))
    }
}

@Suite struct AddressTests {
    @Test func displayNamesQuotedAndEncoded() {
        #expect(Address.parseList("\"Berg, Karin\" <karin@kommun.example.se>, =?utf-8?q?=C3=85sa?= <asa@example.se>")
                == [Address(name: "Berg, Karin", address: "karin@kommun.example.se"), Address(name: "Åsa", address: "asa@example.se")])
        // An encoded comma must not split the list.
        #expect(Address.parseList("=?utf-8?q?Berg=2C_Karin?= <karin@kommun.example.se>")
                == [Address(name: "Berg, Karin", address: "karin@kommun.example.se")])
        #expect(Address.parseList("Anna A. Andersson <anna@example.com>").first?.name == "Anna A. Andersson")
        #expect(Address.parseList("\"Anna \\\"Ankan\\\" A\" <anna@example.com>").first?.name == "Anna \"Ankan\" A")
    }

    @Test func groupsCommentsAndJunk() {
        #expect(Address.parseList("Kollegor: a@example.se, b@example.se;, c@example.se").map(\.address)
                == ["a@example.se", "b@example.se", "c@example.se"])
        #expect(Address.parseList("undisclosed-recipients:;").isEmpty)
        #expect(Address.parseList("a@example.se (Anna (chef) Berg)") == [Address(name: "Anna (chef) Berg", address: "a@example.se")])
        #expect(Address.parseList(",, ,a@example.se,,").map(\.address) == ["a@example.se"])
        #expect(Address.parseList("Anna Andersson").isEmpty)
        #expect(Address.parseList("").isEmpty)
        #expect(Address.parseList("<a@example.se> trailing junk").map(\.address) == ["a@example.se"])
    }

    @Test func envelopeValidator() {
        #expect(Address(address: "anna@example.se").isValidForEnvelope)
        #expect(Address(address: "åsa.öberg@kommun.example.se").isValidForEnvelope)
        for bad in ["", "anna", "anna@", "@example.se", "a@b@c", "anna @example.se", "anna@example.se\r\nRCPT TO:<x@y>",
                    "<anna@example.se>", "a,b@example.se", "anna@example.se\u{0}", "anna@.example.se", "anna@example..se",
                    String(repeating: "a", count: 250) + "@example.se"] {
            #expect(!Address(address: bad).isValidForEnvelope, "\(bad)")
        }
    }

    @Test func formattedForHeaders() {
        #expect(Address(address: "a@example.se").formatted == "a@example.se")
        #expect(Address(name: "Anna Berg", address: "a@example.se").formatted == "Anna Berg <a@example.se>")
        #expect(Address(name: "Berg, Anna", address: "a@example.se").formatted == "\"Berg, Anna\" <a@example.se>")
        let encoded = Address(name: "Åsa Öberg", address: "a@example.se").formatted
        #expect(encoded.hasPrefix("=?utf-8?") && encoded.hasSuffix("?= <a@example.se>"))
        #expect(Address(name: "Fråga om dagen", address: "a@example.se").formatted == "=?utf-8?q?Fr=C3=A5ga_om_dagen?= <a@example.se>")
        #expect(Address(name: "Evil\r\nBcc: x@y", address: "a@example.se").formatted == "\"Evil  Bcc: x@y\" <a@example.se>")
        // formatted → parseList round trip.
        for name in ["Åsa Öberg", "Berg, Anna", "Anna \"Ankan\"", "Chefens dag – kansliet"] {
            let a = Address(name: name, address: "a@example.se")
            #expect(Address.parseList(a.formatted) == [a])
        }
    }
}

@Suite struct DateParserTests {
    /// The byte-level reader of the usual form agrees with the general parser wherever it
    /// answers, answers for the forms mailers write, and leaves every other form to it.
    @Test func canonicalFormReaderAgreesWithTheGeneralParser() {
        var generator = SystemRandomNumberGenerator()
        let canonical = ["Mon, 5 Jan 2026 10:00:00 +0100", "Tue, 30 Nov 2026 04:05:06 -0830 (PST)", "1 Dec 2026 23:59:60 +0000",
                         "sun, 07 MAR 1999 00:00 +1400", "Fri, 29 Feb 2028 12:00:00 +0100 (CET)"]
        for text in canonical {
            #expect(DateParser.parseCanonical(text) != nil, "\(text)")
            #expect(DateParser.parseCanonical(text) == DateParser.parseAnyForm(text), "\(text)")
        }
        let pieces = ["Mon, ", "Mån, ", "Mon ", "", "5", "05", "0", "32", "123", " ", "  ", "Jan", "maj", "Foo", "2026", "26",
                      "20261", "10:00", "10:00:00", "9:00", "24:00", "10.00", "+0100", "-0830", "+1500", "+01:00", "CET", "GMT",
                      " (CET)", "(a(b))", "\t", ",", "T", "Z"]
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 1...9, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            if let fast = DateParser.parseCanonical(text) {
                #expect(fast == DateParser.parseAnyForm(text), "\(text)")
            }
        }
        #expect(DateParser.parseCanonical("Mon 5 Jan 2026 10:00:00 +0100") == nil)
        #expect(DateParser.parseCanonical("5 Jan 2026 10:00:00 CET") == nil)
    }

    let reference = Date(timeIntervalSince1970: 1_797_512_700)   // 2026-12-17 13:05:00 UTC

    @Test func rfc5322AndBrokenForms() {
        for s in ["Thu, 17 Dec 2026 14:05:00 +0100", "17 Dec 2026 14:05 +0100", "Thu, 17 Dec 26 14:05 CET",
                  "Thu, 17 Dec 2026 14:05:00 +0100 (CET)", "Thu, 17 Dec 2026 13:05:00 GMT", "Thu, 17 Dec 2026 13:05:00",
                  "Thu Dec 17 13:05:00 2026", "2026-12-17T14:05:00+01:00", "2026-12-17T13:05:00Z",
                  "tor, 17 dec 2026 14:05:00 +0100", "Thu, 17 Dec 2026 14.05.00 +0100", "Thu, 17 Dec 2026 08:05:00 -0500",
                  "Thursday, 17 December 2026 14:05:00 +01:00", "17-Dec-2026 14:05:00 +0100"] {
            #expect(DateParser.parse(s) == reference, "\(s)")
        }
        #expect(DateParser.parse("5 maj 2026 10:00 +0200") == Date(timeIntervalSince1970: 1_777_968_000))
        #expect(DateParser.parse("not a date") == nil)
        #expect(DateParser.parse("") == nil)
        #expect(DateParser.parse("32 Dec 2026") == nil)
    }

    @Test func formatsRFC5322() {
        #expect(DateParser.format(Date(timeIntervalSince1970: 1_795_976_400), offsetSeconds: 3600) == "Sun, 29 Nov 2026 19:20:00 +0100")
        #expect(DateParser.format(reference, offsetSeconds: -5 * 3600) == "Thu, 17 Dec 2026 08:05:00 -0500")
        #expect(DateParser.iso8601(reference) == "2026-12-17T13:05:00Z")
        // format → parse round trip over many dates.
        var t = 0
        while t < 2_000_000_000 {
            let d = Date(timeIntervalSince1970: TimeInterval(t))
            #expect(DateParser.parse(DateParser.format(d, offsetSeconds: 7200)) == d)
            t += 86_399 * 97
        }
    }
}

@Suite struct MediaTypeTests {
    /// One table for every file Kontakt names a type for: what the director attaches and what
    /// a winmail.dat holds.
    @Test func aFilesTypeComesFromItsExtensionInAnyCase() {
        #expect(MediaType.essence(forFileNamed: "Program för Chefens dag.PDF") == "application/pdf")
        #expect(MediaType.essence(forFileNamed: "utvärdering.xlsx") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(MediaType.essence(forFileNamed: "bild.JPEG") == "image/jpeg")
        #expect(MediaType.essence(forFileNamed: "arkiv.tar.gz") == "application/octet-stream")
        #expect(MediaType.essence(forFileNamed: "README") == "application/octet-stream")
        #expect(MediaType.essence(forFileNamed: "pdf") == "application/octet-stream", "a name without a dot has no extension")
        #expect(MediaType.essence(forFileNamed: "slut.") == "application/octet-stream")
    }

    func parse(_ s: String) -> (MediaType?, [Defect]) {
        var d: [Defect] = []
        return (MediaType.parse(s, defects: &d), d)
    }

    @Test func parametersQuotedAndLowercased() {
        let (m, d) = parse("Text/Plain; Charset=\"ISO-8859-1\"; format=flowed; DelSp=yes")
        #expect(m?.essence == "text/plain")
        #expect(m?.parameters == ["charset": "ISO-8859-1", "format": "flowed", "delsp": "yes"])
        #expect(d.isEmpty)
        #expect(parse("multipart/mixed; boundary=\"a;b\\\"c\"").0?.parameters["boundary"] == "a;b\"c")
        #expect(parse("text").0 == nil)
        #expect(parse("").0 == nil)
    }

    @Test func rfc2231() {
        #expect(parse("application/pdf; name*=utf-8''utv%C3%A4rdering_%C3%A5%C3%A4%C3%B6.pdf").0?.parameters["name"] == "utvärdering_åäö.pdf")
        #expect(parse("application/pdf; name*=iso-8859-1'sv'%E5.pdf").0?.parameters["name"] == "å.pdf")
        #expect(parse("a/b; name*1=\"second\"; name*0=\"first-\"").0?.parameters["name"] == "first-second")
        #expect(parse("a/b; name*0*=utf-8''%C3; name*1*=%A5.txt").0?.parameters["name"] == "å.txt")
        #expect(parse("a/b; name=\"fallback.pdf\"; name*=utf-8''%C3%A5.pdf").0?.parameters["name"] == "å.pdf")
    }

    @Test func encodeRoundTrips() {
        for v in ["plain.pdf", "utvärdering_åäö.pdf", String(repeating: "Värdet vi skapar tillsammans ", count: 4) + ".docx", "quote\"d.txt"] {
            let pieces = ParameterParser.encode(name: "filename", value: v)
            for p in pieces { #expect(p.count < 76) }
            var d: [Defect] = []
            let (_, params) = ParameterParser.parse("attachment; " + pieces.joined(separator: ";\r\n "), defects: &d)
            #expect(params["filename"] == v)
            #expect(d.isEmpty)
        }
    }
}
