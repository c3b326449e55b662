import Foundation

/// When the certificate(s) in a PEM file stop being valid: the earliest `notAfter` among them.
///
/// Written by hand rather than with swift-certificates: reading one date needs a walk of four
/// DER headers (Certificate → TBSCertificate → [version], serial, signature, issuer →
/// Validity), which is less code than a new dependency and its build time. Anything this
/// walk does not understand yields nil — `status` then says nothing about the certificate
/// rather than something wrong.
public struct CertificateValidity: Codable, Sendable, Equatable {
    public var path: String
    public var notAfter: Date
    /// How many certificates the file holds (a CA bundle may hold several).
    public var certificates: Int

    /// Certificates closer than this to their end are pointed out (`status`, `check`).
    public static let warningDays = 14

    public func daysLeft(now: Date) -> Int {
        CertificateValidity.daysLeft(until: notAfter, now: now)
    }

    /// Whole days from `now` to `notAfter`; negative once it has passed.
    public static func daysLeft(until notAfter: Date, now: Date) -> Int {
        Int((notAfter.timeIntervalSince(now) / 86400).rounded(.down))
    }

    /// The expiry of the first certificate in a PEM text (a server's, as libcurl reports it).
    public static func notAfter(pem: String) -> Date? {
        pemBlocks(pem).first.flatMap(notAfter(der:))
    }

    public static func read(path: String) -> CertificateValidity? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let dates = pemBlocks(String(decoding: data, as: UTF8.self)).compactMap(notAfter(der:))
        guard let earliest = dates.min() else { return nil }
        return CertificateValidity(path: path, notAfter: earliest, certificates: dates.count)
    }

    /// The DER bytes of every `CERTIFICATE` block in a PEM text.
    static func pemBlocks(_ text: String) -> [[UInt8]] {
        var blocks: [[UInt8]] = []
        var current: String?
        for line in text.split(whereSeparator: \.isNewline) {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l == "-----BEGIN CERTIFICATE-----" { current = ""; continue }
            if l == "-----END CERTIFICATE-----" {
                if let body = current, let data = Data(base64Encoded: body) { blocks.append([UInt8](data)) }
                current = nil
                continue
            }
            if current != nil { current! += l }
        }
        return blocks
    }

    /// `tbsCertificate.validity.notAfter` of one DER certificate.
    static func notAfter(der: [UInt8]) -> Date? {
        var reader = DERReader(bytes: der[...])
        guard let certificate = reader.next(), certificate.tag == 0x30 else { return nil }
        var inCertificate = DERReader(bytes: certificate.content)
        guard let tbs = inCertificate.next(), tbs.tag == 0x30 else { return nil }
        var fields = DERReader(bytes: tbs.content)
        guard var field = fields.next() else { return nil }
        if field.tag == 0xA0 { guard let next = fields.next() else { return nil }; field = next }  // [0] version
        // field = serialNumber; then signature AlgorithmIdentifier, issuer Name, validity.
        guard field.tag == 0x02, fields.next()?.tag == 0x30, fields.next()?.tag == 0x30,
              let validity = fields.next(), validity.tag == 0x30 else { return nil }
        var times = DERReader(bytes: validity.content)
        _ = times.next()  // notBefore
        guard let end = times.next() else { return nil }
        return time(end)
    }

    /// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), the only forms RFC 5280 allows.
    static func time(_ element: DERReader.Element) -> Date? {
        let text = String(decoding: element.content, as: UTF8.self)
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        let digits = Array(text.dropLast())  // the trailing Z
        guard text.hasSuffix("Z"), digits.allSatisfy(\.isNumber) else { return nil }
        func number(_ range: Range<Int>) -> Int? { range.upperBound <= digits.count ? Int(String(digits[range])) : nil }
        let yearLength: Int
        switch (element.tag, digits.count) {
        case (0x17, 12):
            guard let yy = number(0..<2) else { return nil }
            components.year = yy >= 50 ? 1900 + yy : 2000 + yy
            yearLength = 2
        case (0x18, 14):
            components.year = number(0..<4)
            yearLength = 4
        default:
            return nil
        }
        components.month = number(yearLength..<yearLength + 2)
        components.day = number(yearLength + 2..<yearLength + 4)
        components.hour = number(yearLength + 4..<yearLength + 6)
        components.minute = number(yearLength + 6..<yearLength + 8)
        components.second = number(yearLength + 8..<yearLength + 10)
        return Calendar(identifier: .gregorian).date(from: components)
    }
}

/// Reads DER tag-length-value elements one after another (definite lengths only, as DER requires).
struct DERReader {
    struct Element {
        var tag: UInt8
        var content: ArraySlice<UInt8>
    }

    var bytes: ArraySlice<UInt8>

    mutating func next() -> Element? {
        guard bytes.count >= 2 else { return nil }
        var i = bytes.startIndex
        let tag = bytes[i]
        i += 1
        var length = Int(bytes[i])
        i += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 4, i + count <= bytes.endIndex else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[i])
                i += 1
            }
        }
        guard length >= 0, i + length <= bytes.endIndex else { return nil }
        let element = Element(tag: tag, content: bytes[i..<i + length])
        bytes = bytes[(i + length)...]
        return element
    }
}
