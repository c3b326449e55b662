import Foundation
import KontaktCore
import MailMessage
import Routing

/// `kontakt-bench prepare CONFIG DIR [N]`: the poller's CPU work per message outside the store
/// (`Ingestor.prepare`: hash, parse, robot verdict, classification, sender kind, language),
/// timed as a whole and stage by stage over every file in DIR, read into memory first.
/// The stages are timed separately to show where the time goes; `prepare` is what the poller runs.
enum PrepareBench {
    static func run(_ args: [String]) {
        guard args.count >= 2 else {
            FileHandle.standardError.write(Data("usage: kontakt-bench prepare CONFIG DIR [N]\n".utf8))
            exit(2)
        }
        let rounds = args.count >= 3 ? (Int(args[2]) ?? 3) : 3
        let config: KontaktConfig
        let router: Router
        do {
            config = try KontaktConfig.load(path: args[0])
            router = try Router(config: config, corrections: [])
        } catch {
            FileHandle.standardError.write(Data("kontakt-bench: \(error)\n".utf8))
            exit(1)
        }
        let messages = Files.read(directory: args[1])
        let ingestor = Ingestor(router: router, config: config)
        let parsed = messages.map { try! Message.parse($0, options: .lenient) }
        let texts = parsed.map { (subject: $0.subject ?? "", sample: String($0.newText.unicodeScalars.prefix(4_000))) }
        var checksum = 0
        func stage(_ name: String, _ body: () -> Int) {
            let clock = ContinuousClock()
            let elapsed = clock.measure { for _ in 0..<rounds { checksum &+= body() } }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "%-12@ %8.1f µs/message", name as NSString, seconds * 1e6 / Double(messages.count * rounds)))
        }
        stage("prepare") { messages.reduce(0) { $0 &+ ingestor.prepare($1).record.text.utf8.count } }
        stage("fingerprint") { messages.reduce(0) { $0 &+ Digest.fingerprint($1).utf8.count } }
        stage("parse") { messages.reduce(0) { $0 &+ ((try? Message.parse($1, options: .lenient))?.text.utf8.count ?? 0) } }
        stage("newText") { parsed.reduce(0) { $0 &+ $1.newText.utf8.count } }
        stage("classify") { texts.reduce(0) { $0 &+ router.classify(subject: $1.subject, text: $1.sample).topic.utf8.count } }
        stage("terms") { texts.reduce(0) { $0 &+ Tokenizer.terms($1.sample).count } }
        stage("senderKind") {
            texts.reduce(0) { $0 &+ SenderKindClassifier.kind(address: "a@example.se", text: $1.sample, internalDomains: [],
                                                             businessDomains: []).rawValue.utf8.count }
        }
        stage("language") { texts.reduce(0) { $0 &+ (LanguageGuess.isEnglish($1.subject + "\n" + $1.sample) ? 1 : 0) } }
        print("messages=\(messages.count) rounds=\(rounds) checksum=\(checksum)")
    }
}

/// Every file of a directory, read into memory, in name order.
enum Files {
    static func read(directory: String) -> [[UInt8]] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
        let messages = names.compactMap { FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent($0)).map(Array.init) }
        guard !messages.isEmpty else {
            FileHandle.standardError.write(Data("kontakt-bench: no files in \(directory)\n".utf8))
            exit(1)
        }
        return messages
    }
}
