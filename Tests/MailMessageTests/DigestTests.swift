import Crypto
import Testing
@testable import MailMessage

@Suite struct DigestTests {
    let edge = Digest.fingerprintEdge

    func bytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed }
    }

    @Test func aMessageUpToTwiceTheEdgeIsHashedWhole() {
        for count in [0, 1, 2 * edge - 1, 2 * edge] {
            let message = bytes(count)
            #expect(Digest.fingerprint(message) == Digest.sha256Hex(message), "\(count) bytes")
        }
    }

    @Test func aLargerMessageIsKnownByItsSizeAndEnds() {
        let message = bytes(2 * edge + 5_000)
        let fingerprint = Digest.fingerprint(message)
        #expect(fingerprint != Digest.sha256Hex(message), "never equal to a whole-message hash")
        #expect(fingerprint.count == 64)
        // Every byte of either end counts, and so does the size.
        for index in [0, edge - 1, message.count - edge, message.count - 1] {
            var changed = message
            changed[index] ^= 1
            #expect(Digest.fingerprint(changed) != fingerprint, "byte \(index)")
        }
        #expect(Digest.fingerprint(message + [0]) != fingerprint)
        #expect(Digest.fingerprint(Array(message.dropLast())) != fingerprint)
        // The middle is not read: that is the saving.
        var middle = message
        middle[edge + 100] ^= 1
        #expect(Digest.fingerprint(middle) == fingerprint)
    }

    @Test func theFingerprintHashesTheEndsAndTheSizeTogether() {
        let message = bytes(3 * edge, seed: 7)
        var hasher = SHA256()
        hasher.update(data: Array("kontakt-fingerprint-1 \(message.count)\n".utf8))
        hasher.update(data: message[..<edge])
        hasher.update(data: message[(message.count - edge)...])
        #expect(Digest.fingerprint(message) == Digest.hex(hasher.finalize()))
    }
}
