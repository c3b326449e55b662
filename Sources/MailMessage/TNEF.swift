/// The files inside a `winmail.dat` (`application/ms-tnef`): Outlook's Transport Neutral
/// Encapsulation Format, [MS-OXTNEF].
///
/// Outlook set to "Rich Text" wraps a message's attachments in one TNEF part, so a resident's
/// PDF arrives as `winmail.dat`, which nothing but Outlook opens. Mature help desks unpack it
/// (osTicket does); Kontakt lists, shows and exports the files inside instead. Written by hand:
/// no Swift package reads TNEF, and only the attachment attributes are needed — the message's
/// own text travels as an ordinary MIME part beside the TNEF one.
///
/// The input is hostile: every length is checked against what is left, counts never size an
/// allocation, and every loop consumes input, so a forged file costs time linear in its size.
/// Embedded messages (an attached e-mail, `PT_OBJECT`) are not unpacked.
public enum TNEF {
    /// Why a TNEF part could not be read.
    public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { "winmail.dat (TNEF) not readable: \(reason)" }
    }

    /// One file found in the TNEF stream.
    public struct File: Sendable, Equatable {
        public var filename: String?
        public var contentType: String
        public var data: [UInt8]
    }

    static let signature: UInt32 = 0x223E_9F78

    // Attribute ids: the low word names the attribute, the high word its type.
    static let attAttachRendData: UInt32 = 0x0006_9002
    static let attAttachTitle: UInt32 = 0x0001_8010
    static let attAttachData: UInt32 = 0x0006_800F
    static let attAttachment: UInt32 = 0x0006_9005
    static let attOemCodepage: UInt32 = 0x0006_9007

    // MAPI property ids and types used in `attAttachment`.
    static let prAttachFilename: UInt16 = 0x3704
    static let prAttachLongFilename: UInt16 = 0x3707
    static let prAttachMimeTag: UInt16 = 0x370E
    static let prAttachDataBin: UInt16 = 0x3701
    static let ptString8: UInt16 = 0x001E
    static let ptUnicode: UInt16 = 0x001F
    static let ptBinary: UInt16 = 0x0102
    static let ptObject: UInt16 = 0x000D

    /// Whether a part's media type is TNEF (Outlook has used both names).
    public static func isTNEF(contentType: String) -> Bool {
        contentType == "application/ms-tnef" || contentType == "application/vnd.ms-tnef"
    }

    /// What a TNEF stream holds.
    public struct Contents: Sendable, Equatable {
        /// The files, in the order Outlook wrote them.
        public var files: [File]
        /// Attachments without data of their own (an embedded message, a link): not unpacked.
        public var notUnpacked: Int
    }

    /// The files in `bytes`, in the order Outlook wrote them.
    public static func files(in bytes: [UInt8]) throws(DecodeError) -> [File] {
        try contents(of: bytes).files
    }

    public static func contents(of bytes: [UInt8]) throws(DecodeError) -> Contents {
        var reader = Reader(bytes: bytes)
        guard try reader.uint32() == signature else { throw DecodeError(reason: "no TNEF signature") }
        _ = try reader.uint16()   // legacy key
        var codepage: UInt32 = 1252
        var files: [Building] = []
        while !reader.isAtEnd {
            let level = try reader.uint8()
            let id = try reader.uint32()
            let data = try reader.slice(Int(try reader.uint32()))
            // The checksum is not verified: some producers write zero, readers (Outlook's
            // included) do not insist, and the lengths alone keep the reading in bounds.
            try reader.skip(2)
            if level == 1 && id == attOemCodepage, data.count >= 4 {
                codepage = UInt32(data[data.startIndex]) | UInt32(data[data.startIndex + 1]) << 8
                    | UInt32(data[data.startIndex + 2]) << 16 | UInt32(data[data.startIndex + 3]) << 24
            }
            guard level == 2 else { continue }
            // attAttachRendData opens each attachment; the attributes after it describe that one.
            if id == attAttachRendData || files.isEmpty { files.append(Building()) }
            switch id {
            case attAttachTitle: files[files.count - 1].title = Array(data)
            case attAttachData: files[files.count - 1].data = Array(data)
            case attAttachment:
                // The properties only add a long name and a type: when they cannot be read, the
                // file is still there under its short title.
                try? files[files.count - 1].readProperties(Array(data))
            default: break
            }
        }
        let found = files.compactMap { $0.file(codepage: codepage) }
        return Contents(files: found, notUnpacked: files.count - found.count)
    }

    /// An attachment while its attributes are read.
    struct Building {
        var title: [UInt8]?
        var data: [UInt8]?
        var longFilename: String?
        var mimeTag: String?

        func file(codepage: UInt32) -> File? {
            guard let data else { return nil }
            let title = self.title.map { TNEF.string8($0, codepage: codepage) }
            let name = [longFilename, title].compactMap { $0 }.first { !$0.isEmpty }
            var ignored: [Defect] = []
            let type = mimeTag.flatMap { MediaType.parse($0, defects: &ignored)?.essence }
                ?? name.map(MediaType.essence(forFileNamed:)) ?? "application/octet-stream"
            return File(filename: name, contentType: type, data: data)
        }

        /// The MAPI property list of `attAttachment` [MS-OXTNEF 2.1.3.4]: a count, then each
        /// property's type and id (a named one with its GUID and name), then its values.
        mutating func readProperties(_ bytes: [UInt8]) throws(DecodeError) {
            var reader = Reader(bytes: bytes)
            let count = try reader.uint32()
            var index: UInt32 = 0
            while index < count {
                index += 1
                let rawType = try reader.uint16()
                let id = try reader.uint16()
                if id >= 0x8000 {
                    try reader.skip(16)   // property set GUID
                    if try reader.uint32() == 1 { try reader.skip(padded(Int(try reader.uint32()))) } else { try reader.skip(4) }
                }
                let isMultiple = rawType & 0x1000 != 0
                let type = rawType & 0x0FFF
                let values = isMultiple || TNEF.isVariableLength(type) ? Int(try reader.uint32()) : 1
                var taken = 0
                while taken < values {
                    taken += 1
                    guard TNEF.isVariableLength(type) else {
                        try reader.skip(try TNEF.fixedLength(type))
                        continue
                    }
                    let value = try reader.slice(Int(try reader.uint32()))
                    try reader.skip(padded(value.count) - value.count)
                    guard taken == 1, !isMultiple else { continue }
                    switch (id, type) {
                    case (prAttachLongFilename, ptString8), (prAttachLongFilename, ptUnicode):
                        longFilename = TNEF.propertyString(Array(value), unicode: type == ptUnicode)
                    case (prAttachFilename, ptString8), (prAttachFilename, ptUnicode):
                        if longFilename == nil { longFilename = TNEF.propertyString(Array(value), unicode: type == ptUnicode) }
                    case (prAttachMimeTag, ptString8), (prAttachMimeTag, ptUnicode):
                        mimeTag = TNEF.propertyString(Array(value), unicode: type == ptUnicode)
                    case (prAttachDataBin, ptBinary):
                        if data == nil { data = Array(value) }
                    default: break
                    }
                }
            }
        }

        private func padded(_ n: Int) -> Int { (n + 3) & ~3 }
    }

    static func isVariableLength(_ type: UInt16) -> Bool {
        type == ptString8 || type == ptUnicode || type == ptBinary || type == ptObject
    }

    /// Bytes a fixed-size MAPI value takes in the stream, padding included.
    static func fixedLength(_ type: UInt16) throws(DecodeError) -> Int {
        switch type {
        case 0x0001, 0x0002, 0x0003, 0x0004, 0x000A, 0x000B: 4   // null, short, long, float, error, boolean
        case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: 8           // double, currency, apptime, int64, systime
        case 0x0048: 16                                          // CLSID
        default: throw DecodeError(reason: "unknown MAPI property type 0x\(String(type, radix: 16))")
        }
    }

    /// A `PT_STRING8` (codepage 1252 assumed, as Outlook writes for Swedish) or `PT_UNICODE`
    /// (UTF-16LE) property, without its terminating NUL.
    static func propertyString(_ bytes: [UInt8], unicode: Bool) -> String {
        if unicode {
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var i = 0
            while i + 1 < bytes.count {
                units.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
                i += 2
            }
            while units.last == 0 { units.removeLast() }
            return String(decoding: units, as: UTF16.self)
        }
        return string8(bytes, codepage: 1252)
    }

    /// An 8-bit string in the stream's codepage: UTF-8 for 65001, otherwise read as
    /// Windows-1252, which Swedish Outlook uses and which covers å, ä and ö.
    static func string8(_ bytes: [UInt8], codepage: UInt32) -> String {
        var trimmed = bytes[...]
        while trimmed.last == 0 { trimmed.removeLast() }
        if codepage == 65001 { return String(decoding: trimmed, as: UTF8.self) }
        return Charset.decodeWindows1252(trimmed)
    }

    /// Little-endian reads that throw instead of running past the end.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset >= bytes.count }

        mutating func slice(_ count: Int) throws(DecodeError) -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - offset else { throw DecodeError(reason: "truncated") }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        mutating func skip(_ count: Int) throws(DecodeError) { _ = try slice(count) }

        mutating func uint8() throws(DecodeError) -> UInt8 { try slice(1).first! }

        mutating func uint16() throws(DecodeError) -> UInt16 {
            let s = try slice(2)
            return UInt16(s[s.startIndex]) | UInt16(s[s.startIndex + 1]) << 8
        }

        mutating func uint32() throws(DecodeError) -> UInt32 {
            let s = try slice(4)
            return UInt32(s[s.startIndex]) | UInt32(s[s.startIndex + 1]) << 8
                | UInt32(s[s.startIndex + 2]) << 16 | UInt32(s[s.startIndex + 3]) << 24
        }
    }
}
