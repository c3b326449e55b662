// kontakt-bench send-queue: fills a Kontakt store's outbox for scripts/bench-send.sh, and writes the
// same messages as .eml files for msmtp, so both sides send identical bytes from disk.
import Foundation
import KontaktCore
import MailMessage
import Store

enum SendBench {
    /// `send-queue CONFIG COUNT SIZE_BYTES DIR RECIPIENT...`
    static func run(_ args: [String]) {
        guard args.count >= 5, let count = Int(args[1]), let size = Int(args[2]) else {
            FileHandle.standardError.write(Data("usage: kontakt-bench send-queue CONFIG COUNT SIZE_BYTES DIR RECIPIENT...\n".utf8))
            exit(2)
        }
        let directory = args[3]
        let recipients = Array(args[4...])
        do {
            let config = try KontaktConfig.load(path: args[0])
            let store = try Store(path: config.storePath)
            try FileManager.default.createDirectory(atPath: directory + "/eml", withIntermediateDirectories: true)
            let from = Address(name: config.identity.name, address: config.identity.address)
            let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
            let started = Date()
            for k in 0..<count {
                // A PDF-like file: the header, then random bytes (incompressible, like a real deck of slides).
                let path = directory + "/bilaga-\(k).pdf"
                FileManager.default.createFile(atPath: path, contents: nil)
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try handle.write(contentsOf: Data("%PDF-1.7\n".utf8))
                var written = 9
                while written < size {
                    let n = min(1 << 20, size - written)
                    try handle.write(contentsOf: try random.read(upToCount: n) ?? Data())
                    written += n
                }
                try handle.close()
                let to = recipients[k % recipients.count]
                var m = OutgoingMessage(from: from, to: [Address(address: to)], subject: "Material från chefens dag (\(k))",
                                        text: "Hej!\n\nHär kommer bilderna från seminariet.\n\nMed vänliga hälsningar\n\(config.identity.name)\n",
                                        messageID: MessageBuilder.makeMessageID(domain: config.identity.messageIDDomain), date: Date())
                m.attachments = [OutgoingAttachment(filename: "Bilder \(k).pdf", contentType: "application/pdf", source: .file(path: path))]
                let spec = try OutgoingSpec(message: m)
                try store.write { tx in _ = try Outbox.enqueue(spec, kind: .campaign, createdBy: "bench", in: tx, now: Date()) }
                // msmtp's copy: same content, its own Message-ID.
                m.messageID = MessageBuilder.makeMessageID(domain: config.identity.messageIDDomain)
                let eml = directory + "/eml/\(k).eml"
                FileManager.default.createFile(atPath: eml, contents: nil)
                let out = try FileHandle(forWritingTo: URL(fileURLWithPath: eml))
                try MessageBuilder.write(m) { try out.write(contentsOf: Data($0)) }
                try out.close()
            }
            print(String(format: "queued=%d size=%d seconds=%.2f", count, size, Date().timeIntervalSince(started)))
        } catch {
            FileHandle.standardError.write(Data("kontakt-bench: \(error)\n".utf8))
            exit(1)
        }
    }
}
