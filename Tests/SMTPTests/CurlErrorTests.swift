@testable import Curl
import Foundation
import Testing

/// How a failed transfer reads to the person who must fix it.
@Suite struct CurlErrorTests {
    @Test func aSASLErrorChallengeIsShownDecoded() {
        // Dovecot's answer to a refused XOAUTH2 token: {"status":"401","schemes":"bearer","scope":"mail"}
        let imap = CurlError(code: 67, message: "Login denied",
                             serverLine: "+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=")
        #expect(imap.description == #"Login denied (curl 67); server said: + {"status":"401","schemes":"bearer","scope":"mail"}"#)
        let smtp = CurlError(code: 67, message: "Login denied", serverLine: "334 eyJzdGF0dXMiOiI0MDEifQ==")
        #expect(smtp.description.hasSuffix(#"server said: 334 {"status":"401"}"#))
    }

    @Test func otherLinesStayAsTheServerSentThem() {
        #expect(CurlError.readable("A003 NO [AUTHENTICATIONFAILED] Authentication failed.") == "A003 NO [AUTHENTICATIONFAILED] Authentication failed.")
        #expect(CurlError.readable("+ not base64 at all") == "+ not base64 at all")
        // Base64 that is not a JSON object (a plain SASL challenge) is left alone.
        #expect(CurlError.readable("334 VXNlcm5hbWU6") == "334 VXNlcm5hbWU6")
        // JSON carrying terminal control sequences (ESC, or the one-byte C1 CSI) is not decoded.
        for hostile in ["{\"status\":\"\u{1B}[31m\"}", "{\"status\":\"\u{9B}31m\"}"] {
            let line = "+ " + Data(hostile.utf8).base64EncodedString()
            #expect(CurlError.readable(line) == line)
        }
    }
}
