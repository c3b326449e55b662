import Foundation
import MailMessage
import Routing

/// `kontakt classify`: the classifier on real mail files, read the way the poller reads them
/// (the full MailMessage parser, then the subject and the new text, quotes folded away).
public struct MailClassification: Codable, Sendable {
    public struct Term: Codable, Sendable {
        public var term: String
        public var weight: Double
    }

    public var topic: String
    public var title: String
    /// The best topic even when `topic` is `osorterad` because confidence was below the threshold.
    public var bestGuess: String
    public var confidence: Double
    public var threshold: Double
    public var terms: [Term]

    enum CodingKeys: String, CodingKey {
        case topic, title, confidence, threshold, terms
        case bestGuess = "best_guess"
    }

    public static func classify(file: String, router: Router) throws -> MailClassification {
        let message = try ClassifierEvaluation.parse(file: file)
        let result = router.classify(subject: message.subject ?? "", text: message.newText)
        let best = result.bestGuess ?? result.topic
        return MailClassification(topic: result.topic, title: router.catalog.title(for: result.topic), bestGuess: best,
                                  confidence: result.confidence, threshold: router.threshold,
                                  terms: result.decidingTerms.map { Term(term: $0.term, weight: $0.weight) })
    }
}

/// Accuracy and macro-F1 of the classifier over a folder of labelled `.eml` files.
///
/// `labels.tsv` holds `file<TAB>label` per line (`#` comments, further columns ignored). The
/// figures are computed at the configured threshold — a message below it counts as predicted
/// `osorterad`, which costs recall on its true topic, exactly as in production — and a sweep
/// over other thresholds shows the trade between macro-F1 and the share left for hand sorting.
public struct ClassifierEvaluation: Codable, Sendable {
    public struct Score: Codable, Sendable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    public struct SweepPoint: Codable, Sendable {
        public var threshold: Double
        public var accuracy: Double
        public var macroF1: Double
        public var unsortedShare: Double
        enum CodingKeys: String, CodingKey {
            case threshold, accuracy
            case macroF1 = "macro_f1", unsortedShare = "unsorted_share"
        }
    }

    public struct Miss: Codable, Sendable {
        public var file: String
        public var expected: String
        public var predicted: String
        public var confidence: Double
    }

    public var count: Int
    public var threshold: Double
    public var accuracy: Double
    public var macroF1: Double
    /// Share of the files predicted `osorterad` at `threshold`.
    public var unsortedShare: Double
    public var labels: [Score]
    public var misses: [Miss]
    public var sweep: [SweepPoint]

    enum CodingKeys: String, CodingKey {
        case count, threshold, accuracy, labels, misses, sweep
        case macroF1 = "macro_f1", unsortedShare = "unsorted_share"
    }

    static func parse(file: String) throws -> Message {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw KontaktError.invalid("cannot read \(file) — check the path")
        }
        do { return try Message.parse([UInt8](data), options: .lenient) } catch {
            throw KontaktError.invalid("\(file): cannot be parsed as a mail: \(error)")
        }
    }

    public static func run(directory: String, router: Router, threshold: Double? = nil) throws -> ClassifierEvaluation {
        let labelsFile = (directory as NSString).appendingPathComponent("labels.tsv")
        guard let data = FileManager.default.contents(atPath: labelsFile) else {
            throw KontaktError.invalid("no labels.tsv in \(directory) — it lists file<TAB>label per line")
        }
        var results: [(file: String, expected: String, best: String, confidence: Double, hasTerms: Bool)] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard columns.count >= 2, !columns[0].isEmpty, !columns[1].isEmpty else {
                throw KontaktError.invalid("\(labelsFile):\(index + 1): expected file<TAB>label")
            }
            let message = try parse(file: (directory as NSString).appendingPathComponent(columns[0]))
            // Threshold 0 gives the best guess; each threshold below is applied to it afterwards.
            let result = router.classifier.classify(subject: message.subject ?? "", text: message.newText, threshold: 0)
            results.append((columns[0], columns[1], result.topic, result.confidence, result.topic != TopicCatalog.unsorted))
        }
        guard !results.isEmpty else { throw KontaktError.invalid("\(labelsFile) lists no files") }

        func predictions(at t: Double) -> [(expected: String, predicted: String)] {
            results.map { ($0.expected, $0.hasTerms && $0.confidence >= t ? $0.best : TopicCatalog.unsorted) }
        }
        func unsorted(_ pairs: [(expected: String, predicted: String)]) -> Double {
            Double(pairs.filter { $0.predicted == TopicCatalog.unsorted }.count) / Double(pairs.count)
        }
        let chosen = threshold ?? router.threshold
        let pairs = predictions(at: chosen)
        let evaluation = Evaluation(pairs: pairs)
        let sweep = stride(from: 0.0, through: 0.9, by: 0.05).map { t -> SweepPoint in
            let p = predictions(at: t)
            let e = Evaluation(pairs: p)
            return SweepPoint(threshold: (t * 100).rounded() / 100, accuracy: e.accuracy, macroF1: e.macroF1,
                              unsortedShare: unsorted(p))
        }
        let misses = zip(results, pairs).compactMap { r, p -> Miss? in
            p.expected == p.predicted ? nil : Miss(file: r.file, expected: r.expected, predicted: p.predicted, confidence: r.confidence)
        }
        return ClassifierEvaluation(
            count: results.count, threshold: chosen, accuracy: evaluation.accuracy, macroF1: evaluation.macroF1,
            unsortedShare: unsorted(pairs),
            labels: evaluation.perLabel.keys.sorted().map { label in
                let s = evaluation.perLabel[label]!
                return Score(label: label, precision: s.precision, recall: s.recall, f1: s.f1, support: s.support)
            },
            misses: misses, sweep: sweep)
    }
}
