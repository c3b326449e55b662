import Foundation
import Routing
import Store
import Testing
@testable import KontaktCore

@Suite struct QueueStatisticsTests {
    @Test func medianAndNearestRankPercentile() {
        #expect(QueueStatistics.median([]) == nil)
        #expect(QueueStatistics.median([5]) == 5)
        #expect(QueueStatistics.median([3, 1, 2]) == 2)
        #expect(QueueStatistics.median([4, 1, 3, 2]) == 2.5)
        let ten = (1...10).map(Double.init)
        #expect(QueueStatistics.percentile(ten, 0.9) == 9)
        #expect(QueueStatistics.percentile(ten + [11], 0.9) == 10)
        #expect(QueueStatistics.percentile([7], 0.9) == 7)
        #expect(QueueStatistics.percentile([], 0.9) == nil)
    }

    @Test func countsPerTopicStatusAndSenderKind() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func conversation(_ topic: String, _ status: ConversationRecord.Status, kind: String, answeredAfter hours: Double?) -> ConversationRecord {
            var c = ConversationRecord(subject: "s", normalizedSubject: "s", topic: topic, confidence: 1, contactAddress: "a@example.se", at: start)
            c.status = status
            c.senderKind = kind
            c.firstAnsweredAt = hours.map { start.addingTimeInterval($0 * 3600) }
            return c
        }
        let stats = QueueStatistics.compute([
            conversation("material", .answered, kind: "resident", answeredAfter: 1),
            conversation("material", .open, kind: "resident", answeredAfter: nil),
            conversation("osorterad", .closed, kind: "business", answeredAfter: 5),
            conversation("chefens-dag", .answered, kind: "internal", answeredAfter: 3),
        ], since: nil, catalog: .default)
        #expect(stats.total == 4 && stats.open == 1 && stats.answered == 2 && stats.closed == 1)
        // Catalog order first, pseudo-topics after.
        #expect(stats.topics.map(\.topic) == ["chefens-dag", "material", "osorterad"])
        #expect(stats.topics.first { $0.topic == "material" }.map { ($0.open, $0.answered, $0.total) } ?? (0, 0, 0) == (1, 1, 2))
        #expect(stats.topics.first { $0.topic == "osorterad" }?.title == "Osorterad")
        #expect(stats.senderKinds.first?.name == "resident" && stats.senderKinds.first?.total == 2)
        #expect(stats.firstAnswer.answered == 3)
        // Date arithmetic is floating point: compare to the second.
        #expect(abs((stats.firstAnswer.medianSeconds ?? 0) - 3 * 3600) < 1)
        #expect(abs((stats.firstAnswer.p90Seconds ?? 0) - 5 * 3600) < 1)
    }
}

@Suite struct AttachmentSaverTests {
    @Test func hostileNamesBecomePlainFileNames() {
        #expect(AttachmentSaver.safeName("../../etc/passwd", fallback: "x") == "_.._etc_passwd")
        #expect(AttachmentSaver.safeName("mapp/fil.txt", fallback: "x") == "mapp_fil.txt")
        #expect(AttachmentSaver.safeName("a\\b.txt", fallback: "x") == "a_b.txt")
        #expect(AttachmentSaver.safeName("nul\u{0}tecken.txt", fallback: "x") == "nul_tecken.txt")
        #expect(AttachmentSaver.safeName(".bashrc", fallback: "x") == "bashrc")
        #expect(AttachmentSaver.safeName("..", fallback: "bilaga-1") == "bilaga-1")
        #expect(AttachmentSaver.safeName(nil, fallback: "bilaga-2") == "bilaga-2")
        #expect(AttachmentSaver.safeName("  ", fallback: "bilaga-3") == "bilaga-3")
        #expect(AttachmentSaver.safeName("Rapport åäö.pdf", fallback: "x") == "Rapport åäö.pdf")
    }

    @Test func longNamesAreCutTo255BytesKeepingTheExtension() {
        let name = AttachmentSaver.safeName(String(repeating: "å", count: 300) + ".pdf", fallback: "x")
        #expect(name.utf8.count <= 255)
        #expect(name.hasSuffix(".pdf"))
        let numbered = AttachmentSaver.fit(stem: String(repeating: "å", count: 300), suffix: " (2)", ext: ".pdf")
        #expect(numbered.utf8.count <= 255 && numbered.hasSuffix(" (2).pdf"))
    }

    @Test func existingFilesAndSymlinksAreNeverWrittenThrough() throws {
        let folder = NSTemporaryDirectory() + "kontakt-saver-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = folder + "/mål.txt"
        try "orörd".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/länk.txt", withDestinationPath: target)
        let saver = AttachmentSaver(directory: folder)
        let first = try saver.write(Array("ny".utf8), preferredName: "länk.txt")
        #expect(first == folder + "/länk (2).txt")
        let second = try saver.write(Array("ny".utf8), preferredName: "mål.txt")
        #expect(second == folder + "/mål (2).txt")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "orörd")
    }
}

