#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the classifier decided about one text, and why.
public struct Classification: Sendable {
    /// The winning topic id, or `TopicCatalog.unsorted` when the confidence was below the threshold.
    public var topic: String
    /// Probability of the best topic, in 0...1 (also when `topic` is `osorterad`).
    public var confidence: Double
    /// Terms that pushed the text towards the best topic rather than the runner-up, strongest
    /// first; the weight is the difference in log probability they contributed.
    public var decidingTerms: [(term: String, weight: Double)]
    /// Probability per topic id; sums to 1. Holds the best guess even when `topic` is unsorted.
    public var scores: [String: Double]

    public init(topic: String, confidence: Double, decidingTerms: [(term: String, weight: Double)], scores: [String: Double]) {
        self.topic = topic
        self.confidence = confidence
        self.decidingTerms = decidingTerms
        self.scores = scores
    }

    /// The most probable topic regardless of the threshold.
    public var bestGuess: String? {
        scores.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }
}

/// Multinomial naive Bayes over stemmed words and word bigrams, with Laplace smoothing.
///
/// Why naive Bayes: it trains in one pass by counting, so a correction from the director is
/// learnt immediately (`learn` only bumps counters), it is exact with a few hundred examples,
/// and every decision can be explained as a sum of per-term log-probability differences.
///
/// Raw naive-Bayes posteriors are famously overconfident because the independence assumption
/// counts correlated words many times. The reported probabilities are therefore a softmax of
/// the log posteriors divided by a temperature that grows with the square root of the number
/// of terms — "calibrated-ish": a long, clearly on-topic mail scores near 1, a two-word mail
/// or one split between topics stays moderate and can fall below the threshold.
public struct TopicClassifier: Sendable {
    /// Pseudo-count added to every term of every topic (Laplace smoothing when 1).
    public var smoothing: Double = 1.0
    /// Whether adjacent terms are also counted as a feature ("material skick").
    public var usesBigrams: Bool = true
    /// Subject terms count this many times: subjects are short and usually on point.
    public var subjectWeight: Int = 2

    private var examplesPerLabel: [String: Int] = [:]
    private var featureCounts: [String: [String: Int]] = [:]
    private var featureTotals: [String: Int] = [:]
    private var vocabulary: Set<String> = []

    public init(examples: [TrainingExample] = []) {
        learn(examples)
    }

    /// The topic ids seen in training, sorted.
    public var labels: [String] { examplesPerLabel.keys.sorted() }

    /// Number of examples learnt so far.
    public var exampleCount: Int { examplesPerLabel.values.reduce(0, +) }

    public mutating func learn(_ example: TrainingExample) {
        let features = self.features(subject: "", text: example.text)
        examplesPerLabel[example.label, default: 0] += 1
        var counts = featureCounts[example.label, default: [:]]
        var added = 0
        for (feature, count) in features {
            counts[feature, default: 0] += count
            added += count
            vocabulary.insert(feature)
        }
        featureCounts[example.label] = counts
        featureTotals[example.label, default: 0] += added
    }

    public mutating func learn(_ examples: [TrainingExample]) {
        for example in examples { learn(example) }
    }

    public func classify(subject: String, text: String, threshold: Double = 0.5) -> Classification {
        let labels = self.labels
        guard !labels.isEmpty else {
            return Classification(topic: TopicCatalog.unsorted, confidence: 0, decidingTerms: [], scores: [:])
        }
        let features = self.features(subject: subject, text: text).filter { vocabulary.contains($0.key) }
        let totalExamples = Double(exampleCount)
        let vocabularySize = Double(vocabulary.count)

        var logPosteriors: [String: Double] = [:]
        for label in labels {
            let prior = (Double(examplesPerLabel[label] ?? 0) + 1) / (totalExamples + Double(labels.count))
            var score = log(prior)
            for (feature, count) in features {
                score += Double(count) * logLikelihood(feature, label: label, vocabularySize: vocabularySize)
            }
            logPosteriors[label] = score
        }

        let termCount = features.values.reduce(0, +)
        let temperature = max(1, Double(termCount).squareRoot())
        let scores = softmax(logPosteriors, temperature: temperature)
        let ranked = labels.sorted { (scores[$0] ?? 0, $1) > (scores[$1] ?? 0, $0) }
        let best = ranked[0]
        let confidence = scores[best] ?? 0

        var deciding: [(term: String, weight: Double)] = []
        if ranked.count > 1, termCount > 0 {
            let runnerUp = ranked[1]
            deciding = features.map { feature, count in
                let weight = Double(count) * (logLikelihood(feature, label: best, vocabularySize: vocabularySize)
                    - logLikelihood(feature, label: runnerUp, vocabularySize: vocabularySize))
                return (term: feature, weight: weight)
            }
            .filter { $0.weight > 0 }
            .sorted { ($0.weight, $1.term) > ($1.weight, $0.term) }
            deciding = Array(deciding.prefix(6))
        }

        let topic = (termCount > 0 && confidence >= threshold) ? best : TopicCatalog.unsorted
        return Classification(topic: topic, confidence: confidence, decidingTerms: deciding, scores: scores)
    }

    private func logLikelihood(_ feature: String, label: String, vocabularySize: Double) -> Double {
        let count = Double(featureCounts[label]?[feature] ?? 0)
        let total = Double(featureTotals[label] ?? 0)
        return log((count + smoothing) / (total + smoothing * vocabularySize))
    }

    /// Unigram terms plus, optionally, bigrams of adjacent terms (joined with a space).
    func features(subject: String, text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        func add(_ terms: [String], weight: Int) {
            for term in terms { counts[term, default: 0] += weight }
            if usesBigrams, terms.count > 1 {
                for index in 1..<terms.count { counts[terms[index - 1] + " " + terms[index], default: 0] += weight }
            }
        }
        if !subject.isEmpty { add(Tokenizer.terms(SubjectNormalizer.normalize(subject)), weight: subjectWeight) }
        add(Tokenizer.terms(text), weight: 1)
        return counts
    }

    private func softmax(_ logits: [String: Double], temperature: Double) -> [String: Double] {
        guard let maximum = logits.values.max() else { return [:] }
        let exps = logits.mapValues { exp(($0 - maximum) / temperature) }
        let sum = exps.values.reduce(0, +)
        return exps.mapValues { $0 / sum }
    }
}
