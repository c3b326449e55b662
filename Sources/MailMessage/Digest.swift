import Crypto

/// SHA-256 as lowercase hex: the one way Kontakt names content (messages, attachments, files).
public enum Digest {
    public static func sha256Hex(_ data: [UInt8]) -> String {
        hex(SHA256.hash(data: data))
    }

    /// How many bytes at each end of a message `fingerprint` reads.
    public static let fingerprintEdge = 16 * 1024

    /// What tells a stored message from another (its `contentHash`): lowercase hex of SHA-256
    /// over the whole message up to twice `fingerprintEdge` bytes, and above that over its
    /// size, its first and its last `fingerprintEdge` bytes.
    ///
    /// Why not every byte: hashing them was a third of a poll's preparation CPU (BENCHMARKS.md
    /// "## Fetching"), and the ends already tell deliveries apart: the first 16 KB hold the
    /// Received, Date and Message-ID lines. Two messages alike in size and both ends but not in
    /// between are taken for one. Only a forger can make that happen, by knowing the stored
    /// message's first and last 16 KB, and what it drops is the forger's own message — the rule
    /// by Message-ID and size, which has always applied as well, asks for less. What a fingerprint
    /// hashes is labelled and longer than any message hashed whole, so the two never coincide.
    public static func fingerprint(_ bytes: [UInt8]) -> String {
        let edge = fingerprintEdge
        guard bytes.count > 2 * edge else { return sha256Hex(bytes) }
        var hasher = SHA256()
        hasher.update(data: Array("kontakt-fingerprint-1 \(bytes.count)\n".utf8))
        bytes.withUnsafeBytes { all in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: all[..<edge]))
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: all[(all.count - edge)...]))
        }
        return hex(hasher.finalize())
    }

    /// Lowercase hex of a finished digest (for hashes computed in chunks with `SHA256()`).
    public static func hex<Bytes: Sequence>(_ digest: Bytes) -> String where Bytes.Element == UInt8 {
        var s = ""
        s.reserveCapacity(64)
        for byte in digest {
            s.append(TransferEncoding.hexDigits[Int(byte >> 4)].asChar)
            s.append(TransferEncoding.hexDigits[Int(byte & 15)].asChar)
        }
        return s.lowercased()
    }
}
