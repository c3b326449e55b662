import Foundation
import Logging
import MailMessage
import Store

/// What `kontakt import` did.
public struct ImportSummary: Codable, Sendable {
    public var files = 0
    public var messages = 0
    public var stored = 0
    public var duplicates = 0
    public var quarantined = 0
    public var robots = 0
    /// Paths that could not be read (named in the log; the rest was imported).
    public var unreadable: [String] = []
}

/// Backfills mail that reached the contact address before Kontakt did: mbox files, Maildir
/// folders and single .eml files, stored exactly as the poller stores mail.
///
/// Every message goes through `Ingestor.ingest` with `isBacklog` set — same threading, topics,
/// robot detection and duplicate check as a poll — and is never acknowledged: nobody should
/// get a receipt for a question they asked last spring. Importing the same file twice stores
/// nothing the second time (duplicates are recognised by content, then by Message-ID and size).
public struct MailImporter {
    let store: Store
    let ingestor: Ingestor
    let logger: Logger

    public init(store: Store, router: Router, config: KontaktConfig, logger: Logger) {
        self.store = store
        ingestor = Ingestor(router: router, config: config)
        self.logger = logger
    }

    /// One message to import, with the time it was delivered when the source says so.
    ///
    /// A Maildir or folder of .eml files is listed first and each file read only when its
    /// commit group comes, so importing 10,000 messages holds 32 of them in memory, not all.
    public struct Item: Sendable {
        enum Source: Sendable {
            case bytes([UInt8])
            case file(String)
        }
        let source: Source
        public var deliveredAt: Date?

        init(raw: [UInt8], deliveredAt: Date?) {
            source = .bytes(raw)
            self.deliveredAt = deliveredAt
        }

        init(file: String, deliveredAt: Date?) {
            source = .file(file)
            self.deliveredAt = deliveredAt
        }

        /// The message's bytes with CRLF line ends.
        public func raw() throws(KontaktError) -> [UInt8] {
            switch source {
            case .bytes(let bytes): bytes
            case .file(let path): MailImporter.crlf(try MailImporter.readFile(path))
            }
        }
    }

    public func run(paths: [String], now: @Sendable () -> Date = { Date() }) throws(KontaktError) -> ImportSummary {
        var summary = ImportSummary()
        for path in paths {
            let source: ItemSource
            do {
                source = try MailImporter.source(at: path)
            } catch {
                logger.error("cannot read import source", metadata: ["path": "\(path)", "error": "\(error.description)"])
                summary.unreadable.append(path)
                continue
            }
            summary.files += 1
            var imported = 0
            // In groups, as the poller commits: one durable commit of the group's bytes, then one
            // transaction for its rows (a commit per message was two fsyncs per message).
            var exhausted = false
            while !exhausted {
                var group: [Item] = []
                var raws: [[UInt8]] = []
                var rawBytes = 0
                while group.count < Poller.commitGroupMessages, rawBytes < Poller.commitGroupBytes {
                    let item: Item
                    do {
                        guard let next = try source.next() else { exhausted = true; break }
                        item = next
                    } catch {
                        // An mbox that cannot be read further: what was read is imported.
                        logger.error("cannot read further in an import source", metadata: ["error": "\(error.description)"])
                        summary.unreadable.append(path)
                        exhausted = true
                        break
                    }
                    do {
                        let raw = try item.raw()
                        rawBytes += raw.count
                        raws.append(raw)
                        group.append(item)
                    } catch {
                        // One unreadable file in a folder does not stop the rest of it.
                        logger.error("cannot read a message to import", metadata: ["error": "\(error.description)"])
                        if case .file(let file) = item.source { summary.unreadable.append(file) }
                    }
                }
                guard !group.isEmpty else { continue }
                let outcomes: [IngestOutcome]
                do {
                    let prepared = try ingestor.storingRaw(raws.map { ingestor.prepare($0) }, in: store, at: now())
                    outcomes = try store.write { tx in
                        try tx.confirmRaw(prepared.compactMap(\.record.rawKey))
                        return try zip(group, prepared).map { item, message in
                            let received = item.deliveredAt ?? message.record.sentAt ?? now()
                            return try ingestor.ingest(message, origin: InboundOrigin(isBacklog: true, receivedAt: received), in: tx)
                        }
                    }
                } catch {
                    throw KontaktError.failed("cannot write to the store: \(error) — messages imported so far are kept; "
                                              + "running the import again skips them")
                }
                summary.messages += group.count
                imported += group.count
                for outcome in outcomes {
                    switch outcome {
                    case .accepted: summary.stored += 1
                    case .robot: summary.stored += 1; summary.robots += 1
                    case .quarantined: summary.stored += 1; summary.quarantined += 1
                    case .oversize: summary.stored += 1
                    case .duplicate: summary.duplicates += 1
                    }
                }
            }
            logger.info("imported", metadata: ["path": "\(path)", "messages": "\(imported)"])
        }
        return summary
    }

    // MARK: - Sources

    /// The messages at one import path, handed out one at a time: a folder's files are listed
    /// up front and read later (`Item.raw()`), an mbox is read a megabyte at a time.
    final class ItemSource {
        private var items: [Item]
        private var position = 0
        private let mbox: Mbox.FileReader?

        init(items: [Item]) {
            self.items = items
            mbox = nil
        }

        init(mbox: Mbox.FileReader) {
            items = []
            self.mbox = mbox
        }

        func next() throws(KontaktError) -> Item? {
            if let mbox {
                do {
                    return try mbox.next().map { Item(raw: $0.raw, deliveredAt: $0.deliveredAt) }
                } catch {
                    throw KontaktError.failed("cannot read the mbox: \(error.localizedDescription)")
                }
            }
            guard position < items.count else { return nil }
            position += 1
            return items[position - 1]
        }
    }

    /// The messages at `path`: a Maildir (has cur/ or new/), a folder of .eml files, an mbox
    /// (starts with `From `) or one message.
    static func source(at path: String) throws(KontaktError) -> ItemSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KontaktError.notFound("\(path): no such file or folder")
        }
        if isDirectory.boolValue {
            let fm = FileManager.default
            let sub = ["cur", "new"].map { (path as NSString).appendingPathComponent($0) }
            if sub.contains(where: { fm.fileExists(atPath: $0) }) {
                var items: [Item] = []
                for dir in sub { items += maildirItems(dir) }
                return ItemSource(items: items)
            }
            let names = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { $0.lowercased().hasSuffix(".eml") }.sorted()
            guard !names.isEmpty else {
                throw KontaktError.invalid("\(path): a folder that is neither a Maildir (cur/, new/) nor holds .eml files")
            }
            return ItemSource(items: names.map { Item(file: (path as NSString).appendingPathComponent($0), deliveredAt: nil) })
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw KontaktError.failed("\(path): cannot read it (permissions?)")
        }
        let start = (try? handle.read(upToCount: 5)) ?? nil
        try? handle.close()
        if start.map({ [UInt8]($0) }) == Array("From ".utf8) {
            do {
                return ItemSource(mbox: try Mbox.FileReader(path: path))
            } catch {
                throw KontaktError.failed("\(path): cannot read it (\(error.localizedDescription))")
            }
        }
        return ItemSource(items: [Item(file: path, deliveredAt: nil)])
    }

    /// A Maildir subfolder's messages, oldest first (names start with the delivery time).
    static func maildirItems(_ directory: String) -> [Item] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.sorted(by: maildirOrder).map { name in
            let seconds = name.split(separator: ".").first.flatMap { TimeInterval(String($0)) }
            return Item(file: (directory as NSString).appendingPathComponent(name),
                        deliveredAt: seconds.map { Date(timeIntervalSince1970: $0) })
        }
    }

    /// By delivery time (the number before the first dot), then by name.
    static func maildirOrder(_ a: String, _ b: String) -> Bool {
        let ta = Double(a.split(separator: ".").first ?? "") ?? 0
        let tb = Double(b.split(separator: ".").first ?? "") ?? 0
        return ta != tb ? ta < tb : a < b
    }

    static func readFile(_ path: String) throws(KontaktError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KontaktError.failed("\(path): cannot read it (permissions?)")
        }
        return [UInt8](data)
    }

    /// Bare LF line ends become CRLF, as IMAP delivers messages: the same message imported from
    /// a file and fetched by a poll then has the same bytes, so the duplicate check sees it.
    public static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 40)
        var previous: UInt8 = 0
        for b in bytes {
            if b == 10 && previous != 13 { out.append(13) }
            out.append(b)
            previous = b
        }
        return out
    }
}
