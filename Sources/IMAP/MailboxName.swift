/// An IMAP mailbox name, with the two encodings it needs on the wire.
///
/// IMAP names non-ASCII mailboxes in "modified UTF-7" (RFC 3501 §5.1.3). libcurl adds a
/// second layer: in URLs the name is percent-decoded, and in custom commands `%XX` is
/// decoded too, so a literal `%` must be written `%25`.
public struct MailboxName: Sendable, Hashable, CustomStringConvertible {
    /// The name as a person reads it, for example `Kontakt/Behandlat` or `Skickat`.
    public var name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    /// The name in modified UTF-7.
    public var modifiedUTF7: String {
        var out = ""
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            var bytes: [UInt8] = []
            for unit in pending { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xFF)) }
            out += "&" + Self.base64Modified(bytes) + "-"
            pending.removeAll()
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                out += scalar == "&" ? "&-" : String(scalar)
            } else {
                pending.append(contentsOf: Array(String(scalar).utf16))
            }
        }
        flush()
        return out
    }

    /// The name as a quoted string for a custom command, escaped for libcurl's percent-decoding.
    public var quotedForCommand: String {
        var quoted = "\""
        for ch in modifiedUTF7 {
            switch ch {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "%": quoted += "%25"
            default: quoted.append(ch)
            }
        }
        return quoted + "\""
    }

    /// The name as a URL path segment (hierarchy separators kept).
    public var urlPath: String {
        var path = ""
        for byte in modifiedUTF7.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isLetter || c.isNumber || "-._~/&".contains(c) {
                path.append(c)
            } else {
                path += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return path
    }

    private static func base64Modified(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,")
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i])
            let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(alphabet[b0 >> 2])
            out.append(alphabet[((b0 & 3) << 4) | (b1 >> 4)])
            if i + 1 < bytes.count { out.append(alphabet[((b1 & 0xF) << 2) | (b2 >> 6)]) }
            if i + 2 < bytes.count { out.append(alphabet[b2 & 0x3F]) }
            i += 3
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
