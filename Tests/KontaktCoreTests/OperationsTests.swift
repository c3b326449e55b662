import Foundation
@testable import KontaktCore
import MailMessage
import Store
import Testing

/// Pure parts of the operations commands: mbox, durations, certificate dates, health rules.
struct MboxTests {
    @Test func writtenMessagesReadBackByteForByte() {
        let first = Array("From: a@example.se\r\nSubject: ett\r\n\r\nFrom the start\r\n>From quoted\r\nslut\r\n".utf8)
        let second = Array("From: b@example.se\r\nSubject: två\r\n\r\n\r\nblank lines around\r\n\r\n".utf8)
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        let mbox = Mbox.entry(first, sender: "a@example.se", date: date) + Mbox.entry(second, date: date)
        let text = String(decoding: mbox, as: UTF8.self)
        #expect(text.contains("\n>From the start\n"), "body From lines are quoted")
        #expect(text.contains("\n>>From quoted\n"), "mboxrd adds one more >")
        #expect(!text.contains("\r"), "mbox is written with LF line ends")
        let entries = Mbox.read(mbox)
        #expect(entries.count == 2)
        #expect(entries.first?.raw == first)
        #expect(entries.last?.raw == second)
        #expect(entries.first?.envelopeSender == "a@example.se")
        #expect(entries.first?.deliveredAt == date)
    }

    @Test func readsMboxoWithCRLFAndJunkBeforeTheFirstSeparator() {
        let text = "junk\r\n\r\nFrom x@y Mon Nov 23 10:00:00 2026\r\nSubject: a\r\n\r\nbody\r\n\r\nFrom y@z Mon Nov 23 11:00:00 2026\r\nSubject: b\r\n\r\nFrom here on\r\n"
        let entries = Mbox.read(Array(text.utf8))
        // "From here on" follows a blank line: an mboxo writer would have quoted it, so it is a separator.
        #expect(entries.count == 3)
        #expect(String(decoding: entries[0].raw, as: UTF8.self) == "Subject: a\r\n\r\nbody\r\n")
        #expect(entries[1].raw.starts(with: Array("Subject: b\r\n".utf8)))
    }

    /// `import` reads an mbox a megabyte at a time: cut anywhere — inside a line, between CR
    /// and LF, inside "From " — the pieces give the same messages as the whole file.
    @Test func anMboxSplitAnywhereGivesTheSameMessages() throws {
        var mbox: [UInt8] = Array("junk\r\n\r\n".utf8)
        for i in 0..<300 {
            let body = String(repeating: "Rad \(i) om Chefens dag.\r\nFrom the start\r\n>From quoted\r\n", count: 1 + i % 400)
            mbox += Mbox.entry(Array("From: p\(i)@example.se\r\nSubject: \(i)\r\n\r\n\(body)".utf8), sender: "p\(i)@example.se",
                               date: Date(timeIntervalSince1970: 1_795_000_000 + Double(i)))
        }
        mbox += Array("From last@example.se Mon Nov 23 10:00:00 2026\r\nSubject: utan radslut".utf8)
        let whole = Mbox.read(mbox)
        #expect(whole.count == 301)
        #expect(mbox.count > 2 << 20, "bigger than two of FileReader's reads")
        func same(_ a: [Mbox.Entry], _ b: [Mbox.Entry]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0.raw == $1.raw && $0.deliveredAt == $1.deliveredAt && $0.envelopeSender == $1.envelopeSender }
        }
        var rng = SystemRandomNumberGenerator()
        // Byte by byte over the first messages (slow in a debug build), larger pieces over all.
        let head = Array(mbox.prefix(60_000))
        for (bytes, maxPiece) in [(head, 1), (head, 2), (head, 7), (mbox, 4096), (mbox, 1 << 20)] {
            var splitter = Mbox.Splitter()
            var entries: [Mbox.Entry] = []
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + Int.random(in: 1...maxPiece, using: &rng))
                entries += splitter.feed(Array(bytes[index..<end]))
                index = end
            }
            entries += splitter.finish()
            #expect(same(entries, Mbox.read(bytes)), "pieces of up to \(maxPiece) bytes")
        }
        let path = NSTemporaryDirectory() + "kontakt-mbox-\(UUID().uuidString).mbox"
        try Data(mbox).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try Mbox.FileReader(path: path)
        var read: [Mbox.Entry] = []
        while let entry = try reader.next() { read.append(entry) }
        #expect(same(read, whole))
    }

    @Test func bareLineFeedsBecomeCRLFOnce() {
        #expect(MailImporter.crlf(Array("a\nb\r\nc\n".utf8)) == Array("a\r\nb\r\nc\r\n".utf8))
    }
}

struct RetentionPeriodTests {
    @Test func parsesTheFourUnits() throws {
        #expect(try RetentionPeriod.parse("365d") == RetentionPeriod(amount: 365, unit: .day))
        #expect(try RetentionPeriod.parse("12w") == RetentionPeriod(amount: 12, unit: .week))
        #expect(try RetentionPeriod.parse("6M") == RetentionPeriod(amount: 6, unit: .month))
        #expect(try RetentionPeriod.parse("1y") == RetentionPeriod(amount: 1, unit: .year))
        for bad in ["", "d", "0d", "-3d", "12", "3h", "1.5y"] {
            #expect(throws: KontaktError.self) { try RetentionPeriod.parse(bad) }
        }
    }

    @Test func cutoffsAreCalendarBased() throws {
        let iso = ISO8601DateFormatter()
        let now = iso.date(from: "2026-03-31T12:00:00Z")!
        #expect(iso.string(from: RetentionPeriod(amount: 1, unit: .month).cutoff(before: now)) == "2026-02-28T12:00:00Z")
        #expect(iso.string(from: RetentionPeriod(amount: 1, unit: .year).cutoff(before: now)) == "2025-03-31T12:00:00Z")
        #expect(iso.string(from: RetentionPeriod(amount: 2, unit: .week).cutoff(before: now)) == "2026-03-17T12:00:00Z")
        #expect(iso.string(from: RetentionPeriod.days(10).cutoff(before: now)) == "2026-03-21T12:00:00Z")
    }
}

struct CertificateValidityTests {
    /// `openssl req -x509 -days 30`: notAfter as UTCTime.
    static let utcTimeCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIBiDCCAS+gAwIBAgIUXwqVZSLMHlkg6ZMeIKTPM8mIf/wwCgYIKoZIzj0EAwIw
        GjEYMBYGA1UEAwwPS29udGFrdCB0ZXN0IENBMB4XDTI2MTEyOTE5NDU1MVoXDTI2
        MTIyOTE5NDU1MVowGjEYMBYGA1UEAwwPS29udGFrdCB0ZXN0IENBMFkwEwYHKoZI
        zj0CAQYIKoZIzj0DAQcDQgAENNZISwjkdMXSHIonwuvfzEQYFrRMk3+ds8D3h34e
        SqJYUOca2X3GHiSJ6dF/G2AxpxSMb3Y7c+U06g1SfDPOkqNTMFEwHQYDVR0OBBYE
        FDru8Mb+cSKDkZrlQNzgLjS6eU1sMB8GA1UdIwQYMBaAFDru8Mb+cSKDkZrlQNzg
        LjS6eU1sMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgcms2J6XL
        qRIcCQVOwaZd9q7k3dbhVkQ2RtjlA6nogUkCIGev/WgMgLYtpTM5uTzLsTRopIYK
        aOZCtVMDnFpB0apz
        -----END CERTIFICATE-----
        """
    /// `-days 30000`: notAfter in 2109, which needs GeneralizedTime.
    static let generalizedTimeCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIBejCCASGgAwIBAgIUV1aV2FMSnyQITRdDQOSguEsffcwwCgYIKoZIzj0EAwIw
        EjEQMA4GA1UEAwwHTG9uZyBDQTAgFw0yNjExMjkxOTQ1NTNaGA8yMTA5MDExODE5
        NDU1M1owEjEQMA4GA1UEAwwHTG9uZyBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH
        A0IABFTOxHnX/AuBwmJ8aCMQrAIjt4wPi5aUq7yRJEJHkObUiAYuSHLWxjnUoQK+
        qSSifrAMyvrtZqDRC3huKxMEbiGjUzBRMB0GA1UdDgQWBBRv+9u8IKoA3VBlUg5j
        C0262qqAqzAfBgNVHSMEGDAWgBRv+9u8IKoA3VBlUg5jC0262qqAqzAPBgNVHRMB
        Af8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIGrXZWyL5jSgUPtdBPVcGVrmd0Qs
        RzmAcBL+ogg1FG/eAiAfk/ogyq7eEcP/IouSkBbhVmfP6ooB3CQNUZtm2HMASA==
        -----END CERTIFICATE-----
        """

    @Test func readsNotAfterInBothTimeForms() throws {
        let iso = ISO8601DateFormatter()
        let blocks = CertificateValidity.pemBlocks(Self.utcTimeCertificate + "\n" + Self.generalizedTimeCertificate)
        #expect(blocks.count == 2)
        #expect(CertificateValidity.notAfter(der: blocks[0]).map(iso.string) == "2026-12-29T19:45:51Z")
        #expect(CertificateValidity.notAfter(der: blocks[1]).map(iso.string) == "2109-01-18T19:45:53Z")
    }

    @Test func aBundleReportsItsEarliestExpiryAndGarbageNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kontakt-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bundle = dir.appendingPathComponent("ca.pem").path
        try (Self.generalizedTimeCertificate + "\n" + Self.utcTimeCertificate).write(toFile: bundle, atomically: true, encoding: .utf8)
        let validity = try #require(CertificateValidity.read(path: bundle))
        #expect(validity.certificates == 2)
        #expect(ISO8601DateFormatter().string(from: validity.notAfter) == "2026-12-29T19:45:51Z")
        let garbage = dir.appendingPathComponent("bad.pem").path
        try "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        #expect(CertificateValidity.read(path: garbage) == nil)
    }
}

struct HealthRuleTests {
    func config(maxAge: Int = 60) throws -> KontaktConfig {
        var c = try KontaktConfig.parse("""
            [imap]
            url = "imaps://imap.example.se/INBOX"
            username = "kontakt@kommun.example.se"
            [identity]
            address = "kontakt@kommun.example.se"
            """, file: "/tmp/kontakt.toml")
        c.healthMaxPollAgeMinutes = maxAge
        return c
    }

    func facts(lastOK: Date?, lastError: String? = nil) -> HealthFacts {
        var ok: PollRunRecord?
        if let lastOK { ok = PollRunRecord(startedAt: lastOK); ok!.ok = true; ok!.finishedAt = lastOK }
        var last = ok
        if let lastError { last = PollRunRecord(startedAt: Date()); last!.error = lastError }
        return HealthFacts(lastPoll: last, lastSuccessfulPoll: ok, lastSentAt: nil, openConversations: 0,
                           oldestWaitingConversationId: nil, oldestWaitingSince: nil, outboxCounts: [:], oldestDeferredAt: nil,
                           quarantined: 0, oversize: 0, campaignBacklogs: [], failingServerActions: [])
    }

    @Test func aRecentPollIsHealthyAndAnOldOneIsAProblem() throws {
        let now = Date()
        let check = HealthCheck(config: try config(maxAge: 60))
        #expect(check.report(facts: facts(lastOK: now.addingTimeInterval(-59 * 60)), certificate: nil, now: now).problems.isEmpty)
        let old = check.report(facts: facts(lastOK: now.addingTimeInterval(-3 * 3600), lastError: "connection refused"),
                               certificate: nil, now: now)
        #expect(old.problems.count == 1)
        #expect(old.problems[0].contains("no successful poll for 3h 0m"))
        #expect(old.problems[0].contains("connection refused"))
        #expect(check.report(facts: facts(lastOK: nil), certificate: nil, now: now).problems.first?.contains("no successful poll yet") == true)
    }

    @Test func failedSendsQuarantineFailingActionsAndCertificatesAreProblems() throws {
        let now = Date()
        var f = facts(lastOK: now)
        f.outboxCounts = [.failed: 2, .deferred: 5]
        f.quarantined = 1
        var action = ServerActionRecord(mailboxName: "INBOX", uidValidity: 1, uid: 7, action: .move, target: "X", createdAt: now)
        action.attempts = 4
        f.failingServerActions = [action]
        let soon = CertificateValidity(path: "/ca.pem", notAfter: now.addingTimeInterval(3 * 86400 + 60), certificates: 1)
        let report = HealthCheck(config: try config()).report(facts: f, certificate: soon, now: now)
        #expect(report.problems.count == 4, "\(report.problems)")
        #expect(report.problems.contains { $0.hasPrefix("2 outgoing messages failed") })
        #expect(report.problems.contains { $0.hasPrefix("1 quarantined message ") })
        #expect(report.problems.contains { $0.contains("after-fetch server action") })
        #expect(report.problems.contains { $0.contains("expires in 3 days") })
        #expect(report.outbox.deferred == 5, "deferred alone is not a problem, but it is reported")
    }

    @Test func theIMAPServersCertificateNearItsEndIsAProblem() throws {
        let now = Date()
        let check = HealthCheck(config: try config())
        var f = facts(lastOK: now)
        f.imapCertificateNotAfter = now.addingTimeInterval(60 * 86400)
        #expect(check.report(facts: f, certificate: nil, now: now).problems.isEmpty)
        f.imapCertificateNotAfter = now.addingTimeInterval(5 * 86400 + 60)
        let soon = check.report(facts: f, certificate: nil, now: now)
        #expect(soon.problems == ["the IMAP server's certificate expires in 5 days — tell the server's administrator"])
        #expect(soon.imapCertificateExpiresAt == f.imapCertificateNotAfter)
        f.imapCertificateNotAfter = now.addingTimeInterval(-2 * 86400 - 60)
        #expect(check.report(facts: f, certificate: nil, now: now).problems.first?.contains("expired 3 days ago") == true)
    }
}
