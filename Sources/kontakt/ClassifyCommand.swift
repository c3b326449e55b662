import ArgumentParser
import Foundation
import KontaktCore

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Show which topic a mail would get, how sure the classifier is, and the words that decided it.",
        discussion: """
            The mail is read as the poller reads it (the full parser, subject plus new text), and the classifier is trained on etc/training plus every `kontakt route` correction in the store.

            --evaluate DIR scores the classifier on DIR/*.eml against DIR/labels.tsv (file<TAB>label, further columns ignored): accuracy, macro-F1, per-label precision/recall/F1/support and the share left in osorterad, at [routing] threshold (or --threshold), plus a threshold sweep.

            Examples:
              kontakt classify fraga.eml
              kontakt classify fraga.eml --json
              kontakt classify --evaluate Tests/RoutingTests/HeldOut
              kontakt classify --evaluate Tests/RoutingTests/HeldOut --threshold 0.3 --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A mail file (.eml).") var file: String?
    @Option(help: ArgumentHelp("Evaluate on a folder of .eml files with labels.tsv.", valueName: "dir")) var evaluate: String?
    @Option(help: "Confidence threshold for the evaluation (default: [routing] threshold).") var threshold: Double?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if (file == nil) == (evaluate == nil) { throw ValidationError("give a mail file, or --evaluate DIR") }
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let router = try session.router()
            if let evaluate {
                let result = try ClassifierEvaluation.run(directory: evaluate, router: router, threshold: threshold)
                if json { print(try JSONOutput.string(result)); return }
                print(EvaluationFormat.render(result))
                return
            }
            let result = try MailClassification.classify(file: file!, router: router)
            if json { print(try JSONOutput.string(result)); return }
            var line = "\(result.topic) (\(result.title))  \(String(format: "%.2f", result.confidence))"
            if result.topic != result.bestGuess {
                line += "  — below the threshold \(result.threshold); best guess \(result.bestGuess)"
            }
            print(line)
            if result.terms.isEmpty {
                print("  (no known words)")
            } else {
                print("  decided by: " + result.terms.map { "\($0.term) (+\(String(format: "%.2f", $0.weight)))" }.joined(separator: ", "))
            }
        }
    }
}

enum EvaluationFormat {
    static func render(_ e: ClassifierEvaluation) -> String {
        func f(_ v: Double) -> String { String(format: "%.3f", v) }
        var lines = [QueueFormat.pad("label", 20) + "precision  recall  f1      support"]
        for s in e.labels {
            lines.append(QueueFormat.pad(s.label, 20) + QueueFormat.pad(f(s.precision), 11) + QueueFormat.pad(f(s.recall), 8)
                         + QueueFormat.pad(f(s.f1), 8) + "\(s.support)")
        }
        lines.append("")
        lines.append("n=\(e.count)  threshold \(e.threshold)  accuracy \(f(e.accuracy))  macro-F1 \(f(e.macroF1))  "
                     + "osorterad \(String(format: "%.1f", e.unsortedShare * 100)) %")
        lines.append("")
        lines.append("threshold  accuracy  macro-F1  osorterad")
        for p in e.sweep {
            lines.append(QueueFormat.pad(String(format: "%.2f", p.threshold), 11) + QueueFormat.pad(f(p.accuracy), 10)
                         + QueueFormat.pad(f(p.macroF1), 10) + String(format: "%.1f %%", p.unsortedShare * 100))
        }
        return lines.joined(separator: "\n")
    }
}
