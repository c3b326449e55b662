import Foundation
import Testing
@testable import MailMessage

@Suite struct TransferEncodingTests {
    @Test func base64LenientDecoding() {
        let plain = Array("Chefens dag – Värdet vi skapar".utf8)
        let encoded = TransferEncoding.encodeBase64Lines(plain)
        #expect(TransferEncoding.decodeBase64(encoded[...]).bytes == plain)
        #expect(TransferEncoding.decodeBase64(encoded[...]).valid)
        // Without padding, with junk and spaces.
        #expect(TransferEncoding.decodeBase64(Array("QUJD RA".utf8)[...]).bytes == Array("ABCD".utf8))
        let junk = TransferEncoding.decodeBase64(Array("QU!JD".utf8)[...])
        #expect(junk.bytes == Array("ABC".utf8))
        #expect(!junk.valid)
        // Truncated: a dangling single character is reported.
        #expect(!TransferEncoding.decodeBase64(Array("QUJDR".utf8)[...]).valid)
        #expect(TransferEncoding.decodeBase64(Array("".utf8)[...]).bytes.isEmpty)
    }

    /// The poller stores an attachment's size from `decodedBase64Count` without decoding it, so
    /// the count and the validity must be exactly what decoding gives, whatever the input.
    @Test func base64CountMatchesDecodingOnCleanAndHostileInput() {
        var rng = SplitMix64(seed: 11)
        let pieces = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".utf8)
            + Array("====\r\n\n \t!*é".utf8)
        var inputs: [[UInt8]] = ["", "=", "QQ", "QQ=", "QQ==", "QUI", "QUJD", "QUJDR", "QQ==QUJD", "QUI=QQ==", "QUJD\r\nRA==\r\n", "Q!U!J!D"]
            .map { Array($0.utf8) }
        for n in [1, 2, 3, 57, 58, 1000, 100_000] {
            let data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let encoded = TransferEncoding.encodeBase64Lines(data)
            #expect(TransferEncoding.decodeBase64(encoded[...]) == (data, true))
            inputs.append(encoded)
        }
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...200, using: &rng)
            inputs.append((0..<length).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] })
        }
        for input in inputs {
            let decoded = TransferEncoding.decodeBase64(input[...])
            let counted = TransferEncoding.decodedBase64Count(input[...])
            #expect(counted.count == decoded.bytes.count && counted.valid == decoded.valid,
                    "\(String(decoding: input.prefix(80), as: UTF8.self))")
        }
    }

    /// The clean stretch is counted in 32-byte blocks (`CByteScan`), the rest by the walk: every
    /// byte value, at every position of a block, in slices that start anywhere, must give what
    /// decoding gives.
    @Test func base64CountMatchesDecodingAcrossTheVectorScan() {
        var rng = SplitMix64(seed: 12)
        let clean = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_\r\n \t".utf8)
        func check(_ input: ArraySlice<UInt8>) {
            let decoded = TransferEncoding.decodeBase64(input)
            let counted = TransferEncoding.decodedBase64Count(input)
            #expect(counted.count == decoded.bytes.count && counted.valid == decoded.valid,
                    "\(input.count) bytes: \(String(decoding: input.prefix(80), as: UTF8.self))")
        }
        for value in 0...255 {
            for position in [0, 1, 31, 32, 33, 63, 64, 100] {
                var input = (0..<130).map { _ in clean[Int.random(in: 0..<clean.count, using: &rng)] }
                input[position] = UInt8(value)
                let padded = [UInt8](repeating: 65, count: Int.random(in: 0...40, using: &rng)) + input
                check(padded[(padded.count - input.count)...])
            }
        }
        for _ in 0..<300 {
            let data = (0..<Int.random(in: 0...3_000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var encoded = TransferEncoding.encodeBase64Lines(data)
            check(encoded[...])
            if !encoded.isEmpty { encoded[Int.random(in: 0..<encoded.count, using: &rng)] = UInt8(ascii: "=") }
            check(encoded[...])
        }
    }

    @Test func base64EncodeMatchesFoundation() {
        var rng = SplitMix64(seed: 7)
        for n in [0, 1, 2, 3, 56, 57, 58, 1000] {
            let data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(String(decoding: TransferEncoding.encodeBase64(data), as: UTF8.self) == Data(data).base64EncodedString())
        }
    }

    @Test func quotedPrintableDecoding() {
        func qp(_ s: String) -> (String, Bool) {
            let r = TransferEncoding.decodeQuotedPrintable(Array(s.utf8)[...])
            return (Charset.decodeWindows1252(r.bytes), r.valid)
        }
        #expect(qp("Fr=E5ga om dagen").0 == "Fråga om dagen")
        #expect(qp("soft=\r\nbreak").0 == "softbreak")
        #expect(qp("soft=\nbreak").0 == "softbreak")
        #expect(qp("soft=  \r\nbreak").0 == "softbreak")
        #expect(qp("lower =e5").0 == "lower å")
        #expect(qp("trailing   \r\nnext").0 == "trailing\r\nnext")
        #expect(qp("keep=20\r\n").0 == "keep \r\n")
        let bad = qp("50=% rabatt")
        #expect(bad.0 == "50=% rabatt")
        #expect(!bad.1)
        #expect(qp("ends with =").0 == "ends with ")
    }

    @Test func quotedPrintableEncodingRules() {
        let text = "From the start\n.\n" + String(repeating: "å", count: 60) + "\ntrailing space \nx=y"
        let out = TransferEncoding.encodeQuotedPrintableText(text)
        let s = String(decoding: out, as: UTF8.self)
        let lines = s.components(separatedBy: "\r\n")
        #expect(lines[0] == "=46rom the start")
        #expect(lines[1] == "=2E")
        for l in lines { #expect(l.utf8.count <= 76, "\(l)") }
        #expect(s.contains("trailing space=20\r\n"))
        #expect(s.contains("x=3Dy"))
        #expect(!s.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(s.allSatisfy { $0.isASCII })
        let back = TransferEncoding.decodeQuotedPrintable(out[...]).bytes
        #expect(String(decoding: back, as: UTF8.self) == text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test func transferEncodingSpellings() {
        #expect(TransferEncoding.from(header: "Base64") == (.base64, false))
        #expect(TransferEncoding.from(header: " quoted-printable ") == (.quotedPrintable, false))
        #expect(TransferEncoding.from(header: "8-bit") == (.identity, true))
        #expect(TransferEncoding.from(header: "base-64") == (.base64, true))
        #expect(TransferEncoding.from(header: "quoted_printable") == (.quotedPrintable, true))
        #expect(TransferEncoding.from(header: "x-uuencode") == (.unknown("x-uuencode"), false))
        #expect(TransferEncoding.from(header: nil) == (.identity, false))
    }
}

@Suite struct CharsetTests {
    func decode(_ bytes: [UInt8], _ label: String?) -> (String, [Defect]) {
        var d: [Defect] = []
        return (Charset.decode(bytes, label: label, defects: &d), d)
    }

    @Test func latin1IsReadAsWindows1252() {
        #expect(decode([0xE5, 0xE4, 0xF6, 0xC5, 0xC4, 0xD6, 0xE9], "iso-8859-1").0 == "åäöÅÄÖé")
        #expect(decode([0x80, 0x93, 0x94, 0x96, 0x85], "ISO-8859-1").0 == "€“”–…")
        #expect(decode([0x80, 0x92], "windows-1252").0 == "€’")
        #expect(decode([0x81, 0x8D], "cp1252").0 == "\u{81}\u{8D}")
    }

    @Test func iso885915Differences() {
        #expect(decode([0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE, 0xE5], "iso-8859-15").0 == "€ŠšŽžŒœŸå")
    }

    @Test func utf8AndFallbacks() {
        #expect(decode(Array("åäö".utf8), "UTF-8").0 == "åäö")
        let (s, d) = decode([0x66, 0xE5], "utf-8")
        #expect(s == "få")
        #expect(d == [.invalidCharsetData("utf-8")])
        #expect(decode([0x66, 0xE5], "us-ascii").0 == "få")
        #expect(decode(Array("å".utf8), nil).0 == "å")
        #expect(decode([0xE5], nil).0 == "å")
        let (u, ud) = decode([0xE5], "x-mac-klingon")
        #expect(u == "å")
        #expect(ud == [.unknownCharset("x-mac-klingon")])
    }

    @Test func utf16WithAndWithoutBOM() {
        #expect(decode([0xFF, 0xFE, 0xE5, 0x00, 0x41, 0x00], "utf-16").0 == "åA")
        #expect(decode([0xFE, 0xFF, 0x00, 0xE5], "UTF-16").0 == "å")
        #expect(decode([0x00, 0xE5, 0x00, 0x41], "utf-16").0 == "åA")
        #expect(decode([0xE5, 0x00], "utf-16le").0 == "å")
        #expect(decode([0x00, 0xE5, 0x00], "utf-16be").0 == "å")   // odd byte ignored
    }
}

@Suite struct HTMLTextTests {
    @Test func tagsEntitiesAndBlocks() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><p>Hej&nbsp;Anna!</p><p>Tack f&ouml;r &#8220;dagen&#x201D;&#150;</p>line<br/>two<table><tr><td>a</td><td>b</td></tr></table><script>x<y</script>&unknown; &amp; 1 < 2</body></html>"
        #expect(HTMLText.text(fromHTML: html) == "Hej Anna!\n\nTack för “dagen”–\n\nline\ntwo\n\na b\n\n&unknown; & 1 < 2")
    }

    @Test func whitespaceCollapsesOutsidePre() {
        #expect(HTMLText.text(fromHTML: "a   b\n\n c<pre>x  y\nz</pre>") == "a b c\n\nx  y\nz")
    }

    @Test func unterminatedInputDoesNotHang() {
        for s in ["<", "<p", "<script>never closed", "&#", "&#x;", "<!-- open", "<a href=\"x>y"] {
            _ = HTMLText.text(fromHTML: s)
        }
        #expect(HTMLText.text(fromHTML: "<script>never closed") == "")
    }
}

@Suite struct NewTextTests {
    /// The byte-wise lower-cased prefix of ASCII and Latin-1 lines equals the Character-wise one
    /// it replaced.
    @Test func lowerPrefixMatchesLowercasingTheFirst64Characters() {
        func reference(_ t: String) -> String {
            guard let f = t.unicodeScalars.first, "-_bBvVfFsSdDtTäÄkKcC".unicodeScalars.contains(f) else { return "" }
            return String(t.prefix(64)).lowercased()
        }
        var lines = ["", "Från: Anna", "SKICKAT: idag", "-----Ursprungligt Meddelande-----", "Ärende", "Den 5 JAN skrev",
                     String(repeating: "Dag ", count: 40), "D" + String(repeating: "Å", count: 70), "C\u{301}afe", "B\r"]
        var generator = SystemRandomNumberGenerator()
        // ASCII and Latin-1 (the fast path: upper and lower case, ×, ß, µ, a no-break space)
        // mixed with what must take the general path (a combining accent, İ, Σ, an emoji).
        let alphabet = Array("aZSdD-_:ÄåÉÖöØøÞþÀ×÷ßµ\u{A0}\u{C0}\u{DE}\u{DF} \u{301}\r\t👋İΣ".unicodeScalars)
        lines += ["Skickat från min iPhone", "ÅÄÖ", "Ärende: ÖVERSYN", "DÅ" + String(repeating: "Ö", count: 80)]
        for _ in 0..<2_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 1...90, using: &generator) { scalars.append(alphabet.randomElement(using: &generator)!) }
            lines.append(String(scalars))
        }
        for line in lines { #expect(NewText.lowerPrefix(line) == reference(line), "\(line.debugDescription)") }
    }

    @Test func swedishAttributionAndQuote() {
        let t = "Ja, jag kommer.\n\nDen 2 dec. 2026 kl. 09:14 skrev Kontakt <kontakt@kommun.example.se>:\n> Kommer du?\n> /K"
        #expect(NewText.extract(from: t) == "Ja, jag kommer.")
    }

    @Test func appleMailAttributionWithoutDen() {
        let t = "Tack!\n\n2 dec. 2026 kl. 09:14 skrev Kontakt Chefens dag <kontakt@kommun.example.se>:\n\n> Inbjudan"
        #expect(NewText.extract(from: t) == "Tack!")
    }

    @Test func attributionWithoutQuoteMarksCutsEverythingBelow() {
        let t = "Svar ovan.\n\nOn Wed, Dec 2, 2026 at 9:14 AM Kontakt wrote:\nWelcome to the day\nMore text"
        #expect(NewText.extract(from: t) == "Svar ovan.")
    }

    @Test func outlookBlocks() {
        #expect(NewText.extract(from: "Ok.\n\n-----Ursprungligt meddelande-----\nFrån: a\nText") == "Ok.")
        #expect(NewText.extract(from: "Ok.\n\n-----Original Message-----\nFrom: a") == "Ok.")
        #expect(NewText.extract(from: "Ok.\n\nFrån: Kontakt <k@example.se>\nSkickat: den 1 december 2026 16:00\nTill: x\nÄmne: y\n\ngammalt") == "Ok.")
        #expect(NewText.extract(from: "Ok.\n\n*From:* Kontakt\n*Sent:* Monday\n*To:* x\n\nold") == "Ok.")
        #expect(NewText.extract(from: "Ok.\n________________________________\nFrom: K\nSent: Mon\n\nold") == "Ok.")
        // "From:" in running text without a header block is kept.
        #expect(NewText.extract(from: "From: the start we agreed.\nThat is all.") == "From: the start we agreed.\nThat is all.")
    }

    @Test func signatures() {
        #expect(NewText.extract(from: "Fråga.\n\n-- \nAnna\n070-123 45 67") == "Fråga.")
        #expect(NewText.extract(from: "Fråga.\n\nMed vänliga hälsningar\nAnna Berg\nEnhetschef\nKommunen\n070-123 45 67") == "Fråga.")
        #expect(NewText.extract(from: "Fråga.\n\nMvh /Anna") == "Fråga.")
        #expect(NewText.extract(from: "Fråga.\n\nHälsningar,\nAnna") == "Fråga.")
        #expect(NewText.extract(from: "Question.\n\nBest regards,\nTom") == "Question.")
        #expect(NewText.extract(from: "Fråga.\nSkickat från min iPhone") == "Fråga.")
        // A formula followed by much more text is not a signature.
        let long = "Hälsningar från oss alla på förvaltningen!\n" + String(repeating: "Detta är en lång rad med viktig information om dagen och lokalen.\n", count: 8)
        #expect(NewText.extract(from: long).hasPrefix("Hälsningar från oss alla"))
        #expect(NewText.extract(from: "Mvh\n" + String(repeating: "x\n", count: 10)).hasPrefix("Mvh"))
    }

    /// What rule 3 cuts is kept apart: the sender kind reads it.
    @Test func theSignatureIsCutAndKeptApart() {
        let closing = NewText.split("Fråga.\n\nVänliga hälsningar\nKarin Sjöberg\nVD, Sjöberg Bygg AB\n\n-- \nOrg.nr 556000-0000")
        #expect(closing == NewText.Parts(newText: "Fråga.",
                                         signature: "Vänliga hälsningar\nKarin Sjöberg\nVD, Sjöberg Bygg AB\n\nOrg.nr 556000-0000"))
        #expect(NewText.split("Fråga.\n-- \nAnna").signature == "Anna")
        #expect(NewText.split("Bara en fråga.").signature == "")
        // Quoted history is no signature.
        #expect(NewText.split("Ja.\n\nMvh Per\n\nDen 1 dec. 2026 skrev Sjöberg Bygg AB <a@b.se>:\n> Hej").signature == "Mvh Per")
    }

    @Test func hostileRepetitionStaysLinear() {
        let start = Date()
        let formulas = String(repeating: "Mvh\n", count: 20_000)
        #expect(NewText.extract(from: formulas).hasPrefix("Mvh"))
        let attributions = String(repeating: "On Mon, Jan 5, 2026 Anna <a@example.se> wrote:\n> q\nsvar\n", count: 8_000)
        let out = NewText.extract(from: attributions)
        #expect(out.hasPrefix("svar\nsvar"))
        #expect(!out.contains("wrote:"))
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func emptyAndQuoteOnly() {
        #expect(NewText.extract(from: "") == "")
        #expect(NewText.extract(from: "> only quote\n> more") == "")
    }
}

/// A small seeded PRNG so that property tests and the fuzz test are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
