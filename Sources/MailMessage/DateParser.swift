import Foundation

/// Dates in RFC 5322 form and the broken forms seen in the wild, parsed by hand.
///
/// A `DateFormatter` per message is slow and locale-sensitive; one fixed format cannot read the
/// variants anyway. This parser classifies whitespace/comma-separated tokens, so field order does not
/// matter: it reads "Mon, 5 Jan 2026 10:00:00 +0100 (CET)", "5 Jan 26 10:00 CET", asctime
/// "Mon Jan  5 10:00:00 2026", ISO 8601 "2026-01-05T10:00:00+01:00", "10.00" times, Swedish month names
/// ("5 maj 2026"), and zones written as +01:00, +100, GMT, CEST or missing (then UTC).
enum DateParser {
    static func parse(_ value: String) -> Date? {
        parseCanonical(value) ?? parseAnyForm(value)
    }

    /// The form nearly every mailer writes, "Mon, 5 Jan 2026 10:00:00 +0100 (CET)", read straight
    /// from the bytes; nil for anything else, which `parseAnyForm` reads. Splitting every Date
    /// header into String tokens was a visible part of parsing a message.
    static func parseCanonical(_ value: String) -> Date? {
        var utf8 = value.utf8[...]
        guard utf8.count <= 200 else { return nil }
        func letter(_ b: UInt8) -> UInt8? { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) ? b | 0x20 : nil }
        func word() -> String? {
            guard utf8.count >= 3, let a = letter(utf8[utf8.startIndex]), let b = letter(utf8[utf8.index(utf8.startIndex, offsetBy: 1)]),
                  let c = letter(utf8[utf8.index(utf8.startIndex, offsetBy: 2)]) else { return nil }
            utf8 = utf8.dropFirst(3)
            return String(decoding: [a, b, c], as: UTF8.self)
        }
        func number(digits: ClosedRange<Int>) -> Int? {
            var value = 0, count = 0
            while let b = utf8.first, (0x30...0x39).contains(b), count < digits.upperBound {
                value = value * 10 + Int(b - 0x30)
                count += 1
                utf8 = utf8.dropFirst()
            }
            return digits.contains(count) ? value : nil
        }
        func skip(_ byte: UInt8) -> Bool {
            guard utf8.first == byte else { return false }
            utf8 = utf8.dropFirst()
            return true
        }
        if let f = utf8.first, letter(f) != nil {
            guard let name = word(), weekdays.prefix(7).contains(name), skip(UInt8(ascii: ",")) else { return nil }
            _ = skip(UInt8(ascii: " "))
        }
        guard let d = number(digits: 1...2), (1...31).contains(d), skip(UInt8(ascii: " ")),
              let monthName = word(), let mo = monthNumber(monthName), skip(UInt8(ascii: " ")),
              let y = number(digits: 4...4), (1900...9999).contains(y), skip(UInt8(ascii: " ")),
              let h = number(digits: 2...2), h < 24, skip(UInt8(ascii: ":")), let m = number(digits: 2...2), m < 60
        else { return nil }
        var second = 0
        if skip(UInt8(ascii: ":")) {
            guard let s = number(digits: 2...2), s <= 60 else { return nil }
            second = min(s, 59)
        }
        guard skip(UInt8(ascii: " ")), let sign = utf8.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        utf8 = utf8.dropFirst()
        guard let zone = number(digits: 4...4), zone / 100 <= 14, zone % 100 < 60 else { return nil }
        // Nothing may follow but one comment such as "(CET)".
        if skip(UInt8(ascii: " ")), skip(UInt8(ascii: "(")) {
            guard let close = utf8.firstIndex(of: UInt8(ascii: ")")), !utf8[..<close].contains(UInt8(ascii: "(")) else { return nil }
            utf8 = utf8[utf8.index(after: close)...]
        }
        guard utf8.isEmpty else { return nil }
        let offset = (sign == UInt8(ascii: "+") ? 1 : -1) * ((zone / 100) * 3600 + (zone % 100) * 60)
        let seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + m * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Any of the forms described above, token by token.
    static func parseAnyForm(_ value: String) -> Date? {
        var day: Int? = nil, month: Int? = nil, year: Int? = nil
        var hour = 0, minute = 0, second = 0
        var sawTime = false
        var offset: Int? = nil   // seconds east of UTC

        // Strip comments like "(CET)".
        var cleaned = [UInt8]()
        var depth = 0
        for c in value.utf8.prefix(200) {
            if c == UInt8(ascii: "(") { depth += 1; continue }
            if c == UInt8(ascii: ")") { depth = max(0, depth - 1); continue }
            if depth == 0 { cleaned.append(c) }
        }
        // ISO 8601: split "2026-01-05T10:00:00+01:00" into date, time and zone tokens.
        var tokens: [String] = []
        for raw in String(decoding: cleaned, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
            var t = String(raw)
            if let tIndex = t.firstIndex(of: "T"), t.first?.isNumber == true, t.contains("-") {
                let datePart = String(t[..<tIndex])
                var timePart = String(t[t.index(after: tIndex)...])
                tokens.append(datePart)
                if timePart.hasSuffix("Z") { timePart.removeLast(); tokens.append(timePart); tokens.append("Z") }
                else if let z = timePart.lastIndex(where: { $0 == "+" || $0 == "-" }) {
                    tokens.append(String(timePart[..<z])); tokens.append(String(timePart[z...]))
                } else { tokens.append(timePart) }
                continue
            }
            // "10:00:00+0100" glued together.
            if t.contains(":"), let z = t.lastIndex(where: { $0 == "+" || $0 == "-" }), z != t.startIndex {
                tokens.append(String(t[..<z])); t = String(t[z...])
            }
            tokens.append(t)
        }

        for t in tokens {
            let lower = t.lowercased()
            if let m = monthNumber(lower) { month = m; continue }
            if weekdays.contains(where: { lower.hasPrefix($0) }) && lower.count <= 9 && lower.first!.isLetter { continue }
            if t.first == "+" || (t.first == "-" && t.dropFirst().allSatisfy({ $0.isNumber || $0 == ":" }) && t.count >= 3) {
                let sign = t.first == "+" ? 1 : -1
                let digits = t.dropFirst().filter { $0.isNumber }
                if let v = Int(digits) {
                    let (h, m) = digits.count <= 2 ? (v, 0) : (v / 100, v % 100)
                    if h <= 14 && m < 60 { offset = sign * (h * 3600 + m * 60) }
                }
                continue
            }
            if let z = zoneOffsets[lower] { offset = z; continue }
            // Time: hh:mm[:ss] or hh.mm[.ss].
            if !sawTime, t.contains(":") || (t.contains(".") && t.split(separator: ".").count >= 2 && t.count <= 8 && day != nil && month != nil) {
                let parts = t.split(whereSeparator: { $0 == ":" || $0 == "." }).map { Int($0) }
                if parts.count >= 2, let h = parts[0], let m = parts[1], h < 24, m < 60 {
                    hour = h; minute = m
                    if parts.count >= 3, let s = parts[2], s <= 60 { second = min(s, 59) }
                    sawTime = true
                    continue
                }
            }
            // Numeric date: 2026-01-05 or 5.1.2026 / 05/01/2026 (day first, the European way).
            if t.contains("-") || t.contains("/") || t.contains(".") {
                let parts = t.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." }).map { Int($0) }
                if parts.count == 3, let a = parts[0], let b = parts[1], let c = parts[2] {
                    if a > 31 { year = a; month = b; day = c } else { day = a; month = b; year = c }
                    continue
                }
                // "5-Jan-2026"
                let words = t.split(whereSeparator: { $0 == "-" || $0 == "/" })
                if words.count == 3, let d = Int(words[0]), let m = monthNumber(words[1].lowercased()), let y = Int(words[2]) {
                    day = d; month = m; year = y; continue
                }
            }
            if let v = Int(t.hasSuffix(".") ? String(t.dropLast()) : t) {
                if day == nil && v >= 1 && v <= 31 && t.count <= 2 { day = v }
                else if year == nil { year = v }
                continue
            }
        }
        guard var y = year, let mo = month, let d = day, (1...12).contains(mo), (1...31).contains(d) else { return nil }
        if y < 50 { y += 2000 } else if y < 1000 { y += 1900 }
        guard y >= 1900 && y <= 9999 else { return nil }
        let days = daysFromCivil(y, mo, d)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - (offset ?? 0)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "mån", "tis", "ons", "tor", "fre", "lör", "sön"]

    static func monthNumber(_ s: String) -> Int? {
        let key = s.hasSuffix(".") ? String(s.dropLast()) : s
        guard key.count >= 3, let first = key.first, first.isLetter else { return nil }
        switch key.prefix(3) {
        case "jan": return 1
        case "feb": return 2
        case "mar": return 3
        case "apr": return 4
        case "may", "maj": return 5
        case "jun": return 6
        case "jul": return 7
        case "aug": return 8
        case "sep": return 9
        case "oct", "okt": return 10
        case "nov": return 11
        case "dec": return 12
        default: return nil
        }
    }

    /// RFC 5322 §4.3 obsolete zones plus the European names Swedish mailers print.
    static let zoneOffsets: [String: Int] = [
        "z": 0, "ut": 0, "utc": 0, "gmt": 0, "wet": 0, "bst": 3600, "west": 3600,
        "cet": 3600, "met": 3600, "mez": 3600, "cest": 7200, "mest": 7200, "mesz": 7200, "eet": 7200, "eest": 10800,
        "est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
        "mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
    ]

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]   // 1970-01-01 was a Thursday

    /// "Sun, 29 Nov 2026 19:20:00 +0100" at the given UTC offset.
    static func format(_ date: Date, offsetSeconds: Int) -> String {
        let t = Int(date.timeIntervalSince1970.rounded(.down)) + offsetSeconds
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let (y, m, d) = civilFromDays(days)
        let wd = dayNames[((days % 7) + 7) % 7]
        let sign = offsetSeconds < 0 ? "-" : "+"
        let off = abs(offsetSeconds) / 60
        return "\(wd), \(d) \(monthNames[m - 1]) \(y) \(pad(secs / 3600)):\(pad(secs / 60 % 60)):\(pad(secs % 60)) \(sign)\(pad(off / 60))\(pad(off % 60))"
    }

    /// "2026-11-29T18:20:00Z".
    static func iso8601(_ date: Date) -> String {
        let t = Int(date.timeIntervalSince1970.rounded(.down))
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let (y, m, d) = civilFromDays(days)
        return "\(y)-\(pad(m))-\(pad(d))T\(pad(secs / 3600)):\(pad(secs / 60 % 60)):\(pad(secs % 60))Z"
    }

    private static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
