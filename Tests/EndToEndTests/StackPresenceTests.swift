import Foundation
import Testing

/// Under CI the protocol tests must run: a missing mail stack is a failure, not a skip.
@Test func mailStackIsPresentUnderCI() {
    let ci = ProcessInfo.processInfo.environment["CI"] == "true"
    if ci { #expect(MailStack.available, "scripts/test must start scripts/mailstack before the tests") }
    #expect(FileManager.default.isExecutableFile(atPath: Repo.binary) || !ci, "kontakt binary missing at \(Repo.binary)")
}
