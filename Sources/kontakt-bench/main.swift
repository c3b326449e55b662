// kontakt-bench: the benchmarks behind BENCHMARKS.md. Never part of the test suite.
//
//   kontakt-bench parse DIR [N]   parse every file in DIR N times (default 3); print messages/s and MB/s
//   kontakt-bench send-queue ...  fill an outbox for scripts/bench-send.sh (SendBench.swift)
//   kontakt-bench prepare CONFIG DIR [N]  the poller's per-message CPU work, by stage (PrepareBench.swift)
//
// Files are read into memory first so that only parsing is timed, as scripts/bench-parse.py does.
// Each parse also produces the body text and the decoded attachments (the parser does this eagerly)
// and the new text, which the Python side has no equivalent of, so the comparison is conservative.
import Foundation
import MailMessage

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: kontakt-bench parse DIR [N]\n".utf8))
    exit(2)
}

let args = CommandLine.arguments
if args.count >= 2, args[1] == "send-queue" { SendBench.run(Array(args.dropFirst(2))); exit(0) }
if args.count >= 2, args[1] == "prepare" { PrepareBench.run(Array(args.dropFirst(2))); exit(0) }
guard args.count >= 3, args[1] == "parse" else { usage() }
let dir = URL(fileURLWithPath: args[2])
let rounds = args.count >= 4 ? (Int(args[3]) ?? 3) : 3

let messages = Files.read(directory: dir.path)
let totalBytes = messages.reduce(0) { $0 + $1.count }

var checksum = 0   // keeps the optimiser from discarding work
let clock = ContinuousClock()
let elapsed = clock.measure {
    for _ in 0..<rounds {
        for bytes in messages {
            let m = try! Message.parse(bytes)
            checksum &+= m.text.utf8.count &+ m.newText.utf8.count &+ m.attachments.reduce(0) { $0 &+ $1.size } &+ m.defects.count
        }
    }
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let count = Double(messages.count * rounds)
let mb = Double(totalBytes * rounds) / 1_000_000
print(String(format: "swift  messages=%d rounds=%d seconds=%.3f msgs_per_s=%.1f mb_per_s=%.1f checksum=%d",
             messages.count, rounds, seconds, count / seconds, mb / seconds, checksum))
