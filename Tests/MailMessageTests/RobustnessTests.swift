import Foundation
import Testing
@testable import MailMessage

/// Hostile and broken input: the parser must return, bounded, with defects recorded.
@Suite struct RobustnessTests {
    func parse(_ s: String) -> Message { try! Message.parse(Array(s.utf8)) }

    @Test func deepNestingIsCapped() {
        var msg = "Subject: deep\r\n"
        let depth = 5000
        for k in 0..<depth {
            msg += "Content-Type: multipart/mixed; boundary=\"b\(k)\"\r\n\r\n--b\(k)\r\n"
        }
        msg += "Content-Type: text/plain\r\n\r\ninnermost\r\n"
        let m = parse(msg)
        #expect(m.defects.contains(.nestingTooDeep(limit: 32)))
        var depthSeen = 0
        var p = m.root
        while let child = p.parts.first { p = child; depthSeen += 1 }
        #expect(depthSeen == 32)
    }

    @Test func deepMessageRFC822NestingIsCapped() {
        var msg = "Subject: inner\r\n\r\nbody\r\n"
        for _ in 0..<200 { msg = "Content-Type: message/rfc822\r\n\r\n" + msg }
        let m = parse(msg)
        #expect(m.defects.contains(.nestingTooDeep(limit: 32)))
    }

    @Test func missingBoundaryParameterAndMissingDelimiters() {
        let m1 = parse("Content-Type: multipart/mixed\r\n\r\nhello\r\n")
        #expect(m1.defects == [.missingBoundary])
        #expect(m1.text == "hello")
        let m2 = parse("Content-Type: multipart/mixed; boundary=x\r\n\r\nno delimiters here\r\n")
        #expect(m2.defects == [.startBoundaryNotFound])
        #expect(m2.text == "no delimiters here")
        let m3 = parse("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\ntruncated")
        #expect(m3.defects == [.closeBoundaryNotFound])
        #expect(m3.text == "truncated")
    }

    @Test func repeatedBoundariesGiveEmptyParts() {
        let m = parse("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n--x\r\n\r\nbody\r\n--x--\r\n")
        #expect(m.root.parts.count == 3)
        #expect(m.text == "body")
    }

    @Test func partCountIsCapped() {
        let body = String(repeating: "--x\r\n\r\na\r\n", count: 20_000) + "--x--\r\n"
        let m = parse("Content-Type: multipart/mixed; boundary=x\r\n\r\n" + body)
        #expect(m.defects.contains(.tooManyParts(limit: 10_000)))
        #expect(m.root.parts.count < 10_000)
    }

    @Test func millionHeadersAreCapped() {
        var bytes = [UInt8]()
        bytes.reserveCapacity(9_000_000)
        let line = Array("X-H: v\r\n".utf8)
        for _ in 0..<1_000_000 { bytes += line }
        bytes += Array("\r\nbody\r\n".utf8)
        let start = Date()
        let m = try! Message.parse(bytes)
        #expect(m.headers.count == 10_000)
        #expect(m.defects.contains(.tooManyHeaders(limit: 10_000)))
        #expect(m.text == "body")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func megabyteLinesNULsAndInvalidUTF8() {
        var bytes = Array("Subject: \u{0}x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: 2_000_000)
        bytes += [0xFF, 0xFE, 0x00, 0xC3, 0x28, 0x0A]
        let m = try! Message.parse(bytes)
        #expect(m.defects.contains(.nulBytes))
        #expect(m.defects.contains(.invalidCharsetData("utf-8")))
        #expect(m.text.utf8.count >= 2_000_000)
        #expect(throws: MessageParseError.self) { try Message.parse(bytes, options: .strict) }
    }

    @Test func truncatedBase64Attachment() {
        let m = parse("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\nJVBER")
        #expect(m.attachments.first?.data.starts(with: Array("%PDF-1.4\n".utf8)) == true)
        #expect(m.defects.contains(.invalidBase64))
        #expect(m.defects.contains(.closeBoundaryNotFound))
    }

    @Test func degenerateInputs() {
        for s in ["", "\r\n", "\n\n\n", ":", " folded first\r\n", "Subject", "=?utf-8?q?", "Content-Type: /\r\n\r\n",
                  "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n", "From: <<<<>>>>,,,;;;::: (((\r\n\r\n"] {
            let m = parse(s)
            _ = m.newText
            _ = m.summary
        }
        #expect(parse("").text == "")
        #expect(parse(" folded first\r\nSubject: s\r\n\r\n").defects.contains(.firstLineIsContinuation))
        #expect(parse("Content-Type: /\r\n\r\nx").defects == [.invalidContentType("/")])
    }

    /// Parsing must be roughly linear: 8× the input may not take much more than 8× the time.
    @Test func parsingIsRoughlyLinear() throws {
        func message(lines: Int) -> [UInt8] {
            var s = "From: a@example.se\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            s += String(repeating: "Fr=E5ga om Chefens dag och v=E4rdet vi skapar tillsammans, rad f=F6r rad.=\r\n", count: lines)
            s += "\r\n--x\r\nContent-Type: text/html\r\n\r\n" + String(repeating: "<p>Hej &auml; <b>v&auml;rlden</b></p>\r\n", count: lines) + "--x--\r\n"
            return Array(s.utf8)
        }
        func time(_ b: [UInt8]) -> Double {
            let start = Date()
            for _ in 0..<3 { _ = try! Message.parse(b).newText }
            return Date().timeIntervalSince(start)
        }
        _ = time(message(lines: 1000))   // warm up
        let small = time(message(lines: 2_000))
        let large = time(message(lines: 16_000))
        #expect(large < small * 8 * 3 + 0.05, "small \(small)s, large \(large)s")
    }
}

/// Mutation fuzzing over the corpus with a seeded PRNG: bit flips, truncation, duplication and
/// splicing. Asserts that parsing returns (no trap, no hang) and that derived values are computable.
@Suite struct FuzzTests {
    @Test func mutatedCorpusNeverCrashes() throws {
        let corpus = try Corpus.allNames().map { try Corpus.bytes($0) }
        var rng = SplitMix64(seed: 0x4B6F6E74616B74)
        let deadline = Date().addingTimeInterval(4)
        var iterations = 0
        while iterations < 3000 && Date() < deadline {
            var b = corpus.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                guard !b.isEmpty else { break }
                switch Int.random(in: 0..<7, using: &rng) {
                case 0:   // bit flips
                    for _ in 0..<Int.random(in: 1...20, using: &rng) {
                        let k = Int.random(in: 0..<b.count, using: &rng)
                        b[k] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                    }
                case 1:   // truncation
                    b = Array(b.prefix(Int.random(in: 0...b.count, using: &rng)))
                case 2:   // duplicate a slice
                    let s = Int.random(in: 0..<b.count, using: &rng)
                    let e = min(b.count, s + Int.random(in: 1...2000, using: &rng))
                    b.insert(contentsOf: b[s..<e], at: Int.random(in: 0...b.count, using: &rng))
                case 3:   // splice with another corpus message
                    let other = corpus.randomElement(using: &rng)!
                    let cut = Int.random(in: 0...b.count, using: &rng)
                    let from = Int.random(in: 0...other.count, using: &rng)
                    b = Array(b[..<cut]) + Array(other[from...])
                case 4:   // insert interesting bytes
                    let tokens: [[UInt8]] = [[0], [13], [10], Array("\r\n\r\n".utf8), Array("--".utf8), Array("=?utf-8?b?".utf8),
                                             Array("?=".utf8), [0xFF, 0xC3], Array("Content-Type: multipart/mixed; boundary=a\r\n".utf8),
                                             Array("\r\n--a\r\n".utf8), Array("<".utf8), Array("&#x".utf8), Array("=\r\n".utf8)]
                    b.insert(contentsOf: tokens.randomElement(using: &rng)!, at: Int.random(in: 0...b.count, using: &rng))
                case 5:   // delete a range
                    let s = Int.random(in: 0..<b.count, using: &rng)
                    b.removeSubrange(s..<min(b.count, s + Int.random(in: 1...200, using: &rng)))
                default:  // strip CRs
                    b.removeAll { $0 == 13 }
                }
            }
            let m = try Message.parse(b)
            _ = m.newText
            _ = m.summary
            _ = m.allParts().count
            for p in m.allParts() { _ = p.deliveryStatusRecipients }
            iterations += 1
        }
        #expect(iterations >= 200)
        print("fuzz: \(iterations) mutated messages parsed")
    }
}
