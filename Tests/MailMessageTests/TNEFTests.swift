import Foundation
import Testing
@testable import MailMessage

/// Writes TNEF streams as [MS-OXTNEF] lays them out, for the tests. That this writer is right is
/// not taken on trust: `writtenStreamsReadTheSameInDebiansTnef` has an independent reader
/// (Debian's `tnef`) list and unpack what it writes.
struct TNEFWriter {
    struct FileSpec {
        var title: String
        var longName: String?
        var mimeTag: String?
        var data: [UInt8]
        /// A named property before the name, as Outlook writes them.
        var namedProperty = true
    }

    var codepage: UInt32 = 1252

    func stream(_ files: [FileSpec]) -> [UInt8] {
        var out = le32(TNEF.signature) + le16(0x0001)
        out += attribute(level: 1, id: 0x0008_9006, data: [0x00, 0x00, 0x01, 0x00])   // attTnefVersion
        out += attribute(level: 1, id: TNEF.attOemCodepage, data: le32(codepage) + le32(0))
        out += attribute(level: 1, id: 0x0007_8008, data: Array("IPM.Microsoft Mail.Note\0".utf8))
        for file in files {
            out += attribute(level: 2, id: TNEF.attAttachRendData,
                             data: le16(1) + le32(0xFFFF_FFFF) + le16(0) + le16(0) + le32(0))
            out += attribute(level: 2, id: TNEF.attAttachTitle, data: windows1252(file.title) + [0])
            out += attribute(level: 2, id: TNEF.attAttachData, data: file.data)
            // PR_ATTACH_METHOD (PT_LONG) = 1, by value: Outlook always writes it.
            var properties: [[UInt8]] = [le16(0x0003) + le16(0x3705) + le32(1)]
            if file.namedProperty {
                // A named PT_BOOLEAN property identified by a string name.
                let name = utf16(name: "KontaktTest")
                properties.append(le16(0x000B) + le16(0x8005) + [UInt8](repeating: 0xAB, count: 16)
                                  + le32(1) + le32(UInt32(name.count)) + padded(name) + le32(1))
            }
            if let longName = file.longName {
                properties.append(le16(TNEF.ptUnicode) + le16(TNEF.prAttachLongFilename) + variable(utf16(name: longName)))
            }
            if let tag = file.mimeTag {
                properties.append(le16(TNEF.ptString8) + le16(TNEF.prAttachMimeTag) + variable(Array(tag.utf8) + [0]))
            }
            out += attribute(level: 2, id: TNEF.attAttachment, data: le32(UInt32(properties.count)) + properties.flatMap { $0 })
        }
        return out
    }

    func attribute(level: UInt8, id: UInt32, data: [UInt8]) -> [UInt8] {
        let checksum = UInt16(truncatingIfNeeded: data.reduce(0) { $0 + Int($1) })
        return [level] + le32(id) + le32(UInt32(data.count)) + data + le16(checksum)
    }

    /// One value of a variable-length property: count 1, length, bytes padded to four.
    func variable(_ bytes: [UInt8]) -> [UInt8] { le32(1) + le32(UInt32(bytes.count)) + padded(bytes) }
    func padded(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4) }
    func utf16(name: String) -> [UInt8] { (Array(name.utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    func windows1252(_ s: String) -> [UInt8] { s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}

@Suite struct TNEFTests {
    let pdf = Array("%PDF-1.4\n% Program för Chefens dag\n%%EOF\n".utf8)
    let slides = (0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    var twoFiles: [TNEFWriter.FileSpec] {
        [.init(title: "PROGRA~1.PDF", longName: "Program för Chefens dag.pdf", mimeTag: "application/pdf", data: pdf),
         .init(title: "Värdet.pptx", longName: nil, mimeTag: nil, data: slides, namedProperty: false)]
    }

    @Test func filesComeOutWithTheirLongNamesTypesAndBytes() throws {
        let files = try TNEF.files(in: TNEFWriter().stream(twoFiles))
        // The second has no long name: its short title is read as Windows-1252.
        #expect(files.map(\.filename) == ["Program för Chefens dag.pdf", "Värdet.pptx"])
        #expect(files.map(\.contentType) == ["application/pdf",
                                             "application/vnd.openxmlformats-officedocument.presentationml.presentation"])
        #expect(files[0].data == pdf && files[1].data == slides)
    }

    /// The short title is in the stream's codepage: Windows-1252 (above), or UTF-8 when
    /// attOemCodepage says 65001.
    @Test func aUTF8CodepageReadsTheShortTitleAsUTF8() throws {
        let w = TNEFWriter()
        var stream = w.le32(TNEF.signature) + w.le16(1)
        stream += w.attribute(level: 1, id: TNEF.attOemCodepage, data: w.le32(65001) + w.le32(0))
        stream += w.attribute(level: 2, id: TNEF.attAttachRendData, data: [UInt8](repeating: 0, count: 14))
        stream += w.attribute(level: 2, id: TNEF.attAttachTitle, data: Array("Svar på frågan.pdf".utf8) + [0])
        stream += w.attribute(level: 2, id: TNEF.attAttachData, data: pdf)
        #expect(try TNEF.files(in: stream).map(\.filename) == ["Svar på frågan.pdf"])
        #expect(try TNEF.files(in: stream).map(\.contentType) == ["application/pdf"])
    }

    @Test func aMessageWithWinmailDatListsTheFilesInside() throws {
        let tnef = TNEFWriter().stream(twoFiles)
        let raw = """
            From: Anna <anna@example.se>\r
            To: kontakt@kommun.example.se\r
            Subject: Material\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Hej! Här är programmet.\r
            --b\r
            Content-Type: application/ms-tnef; name="winmail.dat"\r
            Content-Transfer-Encoding: base64\r
            Content-Disposition: attachment; filename="winmail.dat"\r
            \r
            \(Data(tnef).base64EncodedString(options: .lineLength76Characters).replacingOccurrences(of: "\n", with: "\r\n"))\r
            --b--\r

            """
        for options in [ParseOptions.lenient, ParseOptions(defersFileBodies: true)] {
            let message = try Message.parse(Array(raw.utf8), options: options)
            #expect(message.text == "Hej! Här är programmet.")
            #expect(message.attachments.map(\.filename) == ["Program för Chefens dag.pdf", "Värdet.pptx"])
            #expect(message.attachments.map(\.size) == [pdf.count, slides.count])
            #expect(message.attachments[1].data == slides)
            #expect(message.defects.isEmpty, "\(message.defects)")
        }

        // One that also holds what is not unpacked (here an attachment without data, as an
        // embedded Outlook message is) lists its files and keeps winmail.dat beside them.
        let w = TNEFWriter()
        let partial = w.stream([twoFiles[0]]) + w.attribute(level: 2, id: TNEF.attAttachRendData, data: [UInt8](repeating: 0, count: 14))
            + w.attribute(level: 2, id: TNEF.attAttachTitle, data: Array("Vidarebefordrat.msg\0".utf8))
        #expect(try TNEF.contents(of: partial).notUnpacked == 1)
        let withEmbedded = raw.replacingOccurrences(of: Data(tnef).base64EncodedString(options: .lineLength76Characters)
                                                      .replacingOccurrences(of: "\n", with: "\r\n"),
                                                    with: Data(partial).base64EncodedString(options: .lineLength76Characters)
                                                      .replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(try Message.parse(Array(withEmbedded.utf8)).attachments.map(\.filename) == ["Program för Chefens dag.pdf", "winmail.dat"])

        // A winmail.dat that is not TNEF stays what it is, with a defect saying so.
        let broken = raw.replacingOccurrences(of: Data(tnef).base64EncodedString(options: .lineLength76Characters)
                                                .replacingOccurrences(of: "\n", with: "\r\n"),
                                              with: Data("not tnef at all".utf8).base64EncodedString())
        let message = try Message.parse(Array(broken.utf8))
        #expect(message.attachments.map(\.filename) == ["winmail.dat"])
        #expect(message.defects == [.unreadableTNEF("no TNEF signature")])
    }

    /// Every prefix and many corruptions of a stream either read or throw; none traps or hangs.
    @Test func hostileStreamsThrowOrReadNeverTrap() throws {
        let stream = TNEFWriter().stream(twoFiles)
        for length in 0..<stream.count {
            _ = try? TNEF.files(in: Array(stream.prefix(length)))
        }
        #expect(throws: TNEF.DecodeError.self) { try TNEF.files(in: Array(stream.prefix(30))) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var mutated = stream
            for _ in 0..<4 {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? TNEF.files(in: mutated)
        }
        // A property count of four billion and a value length past the end end in an error, not a loop.
        let writer = TNEFWriter()
        var forged = writer.le32(TNEF.signature) + writer.le16(1)
        forged += writer.attribute(level: 2, id: TNEF.attAttachData, data: pdf)
        forged += writer.attribute(level: 2, id: TNEF.attAttachment, data: writer.le32(0xFFFF_FFFF) + writer.le16(0x0102) + writer.le16(0x3701)
                                   + writer.le32(1) + writer.le32(0x7FFF_FFFF))
        let files = try TNEF.files(in: forged)
        #expect(files.map(\.data) == [pdf], "the file survives properties that cannot be read")
    }

    /// The writer above, checked against an independent reader: Debian's `tnef` (installed by
    /// scripts/install-deps) lists the same names and types and unpacks the same bytes.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tnef")))
    func writtenStreamsReadTheSameInDebiansTnef() throws {
        let directory = NSTemporaryDirectory() + "kontakt-tnef-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/winmail.dat"
        // `tnef` prints a short title's bytes as they are, so here every file has a long name.
        var specs = twoFiles
        specs[1].longName = "Värdet vi skapar tillsammans.pptx"
        let stream = TNEFWriter().stream(specs)
        try Data(stream).write(to: URL(fileURLWithPath: path))

        let listing = try tnef(["--list-with-mime-types", "-f", path])
        let listed = listing.split(separator: "\n").map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        let ours = try TNEF.files(in: stream)
        try #require(listed.count == 2, "\(listing)")
        #expect(listed.map { $0[0] } == ours.map { $0.filename ?? "" }, "\(listing)")
        #expect(listed[0].count > 2 && listed[0][2] == "application/pdf", "\(listing)")

        _ = try tnef(["-f", path, "-C", directory + "/out"])
        for file in ours {
            let unpacked = try Data(contentsOf: URL(fileURLWithPath: directory + "/out/" + file.filename!))
            #expect(Array(unpacked) == file.data, "\(file.filename!)")
        }
    }

    private func tnef(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tnef")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: output, as: UTF8.self)
    }
}
