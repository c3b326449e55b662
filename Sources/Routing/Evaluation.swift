/// Precision, recall and F1 of one label over an evaluation run.
public struct LabelScore: Sendable, Codable, Hashable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// How many items truly had this label.
    public var support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// Classifier metrics from (expected, predicted) pairs.
///
/// Macro-F1 averages F1 over the labels that occur among the expected values, so each topic
/// counts equally however many examples it has, and a rare topic the model never gets right
/// pulls the figure down. Labels that were only ever predicted (for instance `osorterad`)
/// get a row in `perLabel` with support 0 but are not part of the average: predicting them
/// already costs recall on the true label.
public struct Evaluation: Sendable {
    public var accuracy: Double
    public var macroF1: Double
    public var perLabel: [String: LabelScore]
    public var count: Int

    public init(pairs: [(expected: String, predicted: String)]) {
        count = pairs.count
        var truePositives: [String: Int] = [:]
        var predictedCount: [String: Int] = [:]
        var support: [String: Int] = [:]
        for pair in pairs {
            support[pair.expected, default: 0] += 1
            predictedCount[pair.predicted, default: 0] += 1
            if pair.expected == pair.predicted { truePositives[pair.expected, default: 0] += 1 }
        }
        let correct = truePositives.values.reduce(0, +)
        accuracy = pairs.isEmpty ? 0 : Double(correct) / Double(pairs.count)

        var perLabel: [String: LabelScore] = [:]
        for label in Set(support.keys).union(predictedCount.keys) {
            let tp = Double(truePositives[label] ?? 0)
            let predicted = Double(predictedCount[label] ?? 0)
            let actual = Double(support[label] ?? 0)
            let precision = predicted > 0 ? tp / predicted : 0
            let recall = actual > 0 ? tp / actual : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            perLabel[label] = LabelScore(precision: precision, recall: recall, f1: f1, support: support[label] ?? 0)
        }
        self.perLabel = perLabel
        let averaged = support.keys.compactMap { perLabel[$0]?.f1 }
        macroF1 = averaged.isEmpty ? 0 : averaged.reduce(0, +) / Double(averaged.count)
    }

    public init(predictions: [(expected: String, predicted: String)]) {
        self.init(pairs: predictions)
    }

    /// A plain-text table, labels sorted, for test output and the CLI.
    public var report: String {
        func format(_ value: Double) -> String {
            let scaled = (value * 1000).rounded() / 1000
            return String(describing: scaled)
        }
        var lines = ["label\tprecision\trecall\tf1\tsupport"]
        for label in perLabel.keys.sorted() {
            let score = perLabel[label]!
            lines.append("\(label)\t\(format(score.precision))\t\(format(score.recall))\t\(format(score.f1))\t\(score.support)")
        }
        lines.append("accuracy \(format(accuracy)), macro-F1 \(format(macroF1)), n=\(count)")
        return lines.joined(separator: "\n")
    }
}
