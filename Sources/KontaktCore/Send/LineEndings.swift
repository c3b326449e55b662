/// Rewrites line ends to CRLF while bytes stream through: bare LF becomes CRLF, bare CR becomes
/// CRLF, CRLF stays. SMTP requires CRLF (RFC 5321 §2.3.8; servers now reject bare LF to stop
/// smuggling), and libcurl's dot-stuffing recognises only CRLF, so nothing else may reach it.
///
/// Written by hand because it must work chunk by chunk (a CR can end one chunk and its LF start
/// the next) on spool files of any size; MessageBuilder already emits CRLF, so this is the last
/// guard for bytes queued from elsewhere.
struct CRLFNormalizer {
    private var pendingCR = false

    /// The normalised form of `chunk`; a CR at its very end is held until the next chunk or `finish`.
    mutating func normalize(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(chunk.count + chunk.count / 64 + 2)
        for byte in chunk {
            if pendingCR {
                pendingCR = false
                out.append(13)
                out.append(10)
                if byte == 10 { continue }
            }
            switch byte {
            case 13: pendingCR = true
            case 10: out.append(13); out.append(10)
            default: out.append(byte)
            }
        }
        return out
    }

    /// Flushes a CR that ended the input.
    mutating func finish() -> [UInt8] {
        defer { pendingCR = false }
        return pendingCR ? [13, 10] : []
    }

    /// The whole of `bytes`, normalised (for messages queued with their bytes).
    static func normalized(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 == 10 || $0 == 13 }) else { return bytes }
        var n = CRLFNormalizer()
        var out = bytes.withUnsafeBytes { n.normalize($0) }
        out += n.finish()
        return out
    }

    /// True when every CR is followed by LF and every LF preceded by CR.
    static func isCRLFOnly(_ bytes: [UInt8]) -> Bool {
        var previous: UInt8 = 0
        for (k, b) in bytes.enumerated() {
            if b == 10, previous != 13 { return false }
            if previous == 13, b != 10 { return false }
            previous = b
            if k == bytes.count - 1, b == 13 { return false }
        }
        return true
    }
}
