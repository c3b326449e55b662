import Foundation
import Testing
@testable import MailMessage

@Test func dumpCorpus() throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    for name in try Corpus.allNames() {
        let m = try Corpus.message(name)
        let s = m.summary
        print("=== \(name)")
        print(String(decoding: try enc.encode(s), as: UTF8.self))
    }
}
