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

    // Counts are kept per feature as one vector over the labels (in the order they were first
    // seen), so scoring a text costs one dictionary lookup per feature rather than two per
    // feature and label; classifying sits on the poller's path for every new conversation.
    private var labelNames: [String] = []
    private var labelIndex: [String: Int] = [:]
    private var examplesPerLabel: [Int] = []
    private var featureTotals: [Int] = []
    /// Feature → count per label index (shorter than `labelNames` when later labels never saw it).
    private var featureCounts: [String: [Int]] = [:]

    public init(examples: [TrainingExample] = []) {
        learn(examples)
    }

    /// The topic ids seen in training, sorted.
    public var labels: [String] { labelNames.sorted() }

    /// Number of examples learnt so far.
    public var exampleCount: Int { examplesPerLabel.reduce(0, +) }

    public mutating func learn(_ example: TrainingExample) {
        let features = self.features(normalizedSubject: "", text: TextWords(example.text))
        let label: Int
        if let known = labelIndex[example.label] {
            label = known
        } else {
            label = labelNames.count
            labelNames.append(example.label)
            labelIndex[example.label] = label
            examplesPerLabel.append(0)
            featureTotals.append(0)
        }
        examplesPerLabel[label] += 1
        for (feature, count) in features {
            var counts = featureCounts.removeValue(forKey: feature) ?? []
            if counts.count <= label { counts += repeatElement(0, count: label + 1 - counts.count) }
            counts[label] += count
            featureCounts[feature] = counts
            featureTotals[label] += count
        }
    }

    public mutating func learn(_ examples: [TrainingExample]) {
        for example in examples { learn(example) }
    }

    public func classify(subject: String, text: String, threshold: Double = 0.5) -> Classification {
        classify(normalizedSubject: TextWords(SubjectNormalizer.normalize(subject)), text: TextWords(text), threshold: threshold)
    }

    /// As `classify(subject:text:threshold:)` for a subject already normalised
    /// (`SubjectNormalizer.normalize`) and split, and a text already split.
    public func classify(normalizedSubject: TextWords, text: TextWords, threshold: Double = 0.5) -> Classification {
        guard !labelNames.isEmpty else {
            return Classification(topic: TopicCatalog.unsorted, confidence: 0, decidingTerms: [], scores: [:])
        }
        let known = knownFeatures(normalizedSubject: normalizedSubject, text: text).map { feature, count in
            (feature: feature, count: count, counts: featureCounts[feature]!)
        }
        let labelCount = labelNames.count
        let totalExamples = Double(exampleCount)
        let vocabularySize = Double(featureCounts.count)
        let logDenominators = featureTotals.map { log(Double($0) + smoothing * vocabularySize) }
        let logSmoothing = log(smoothing)
        func logLikelihood(_ counts: [Int], _ label: Int) -> Double {
            let count = label < counts.count ? counts[label] : 0
            return (count == 0 ? logSmoothing : log(Double(count) + smoothing)) - logDenominators[label]
        }

        var scores = (0..<labelCount).map { label in
            log((Double(examplesPerLabel[label]) + 1) / (totalExamples + Double(labelCount)))
        }
        for term in known {
            let weight = Double(term.count)
            for label in 0..<labelCount { scores[label] += weight * logLikelihood(term.counts, label) }
        }
        var logPosteriors: [String: Double] = [:]
        for label in 0..<labelCount { logPosteriors[labelNames[label]] = scores[label] }

        let termCount = known.reduce(0) { $0 + $1.count }
        let temperature = max(1, Double(termCount).squareRoot())
        let probabilities = softmax(logPosteriors, temperature: temperature)
        let ranked = labels.sorted { (probabilities[$0] ?? 0, $1) > (probabilities[$1] ?? 0, $0) }
        let best = ranked[0]
        let confidence = probabilities[best] ?? 0

        var deciding: [(term: String, weight: Double)] = []
        if ranked.count > 1, termCount > 0, let bestIndex = labelIndex[best], let runnerUpIndex = labelIndex[ranked[1]] {
            deciding = known.map { term in
                let weight = Double(term.count) * (logLikelihood(term.counts, bestIndex) - logLikelihood(term.counts, runnerUpIndex))
                return (term: term.feature, weight: weight)
            }
            .filter { $0.weight > 0 }
            .sorted { ($0.weight, $1.term) > ($1.weight, $0.term) }
            deciding = Array(deciding.prefix(6))
        }

        let topic = (termCount > 0 && confidence >= threshold) ? best : TopicCatalog.unsorted
        return Classification(topic: topic, confidence: confidence, decidingTerms: deciding, scores: probabilities)
    }

    /// Unigram terms plus, optionally, bigrams of adjacent terms (joined with a space).
    func features(normalizedSubject: String, text: TextWords) -> [String: Int] {
        var counts: [String: Int] = [:]
        func add(_ terms: [String], weight: Int) {
            for term in terms { counts[term, default: 0] += weight }
            if usesBigrams, terms.count > 1 {
                for index in 1..<terms.count { counts[terms[index - 1] + " " + terms[index], default: 0] += weight }
            }
        }
        if !normalizedSubject.isEmpty { add(Tokenizer.terms(normalizedSubject), weight: subjectWeight) }
        add(Tokenizer.terms(text), weight: 1)
        return counts
    }

    /// `features` restricted to those the model has counts for: the only ones that score.
    ///
    /// Why not filter `features`: most words of a message are unknown, and building every
    /// bigram string of a page of text only to drop it was most of classifying (8 % of a poll's
    /// CPU). A bigram can only be known when both its terms are, since `learn` counts every
    /// unigram of the text it takes a bigram from, so unknown words end the search early.
    /// Terms are looked up once per distinct word, and each pair of adjacent words once.
    func knownFeatures(normalizedSubject: TextWords, text: TextWords) -> [String: Int] {
        var counts: [String: Int] = [:]
        counts.reserveCapacity(normalizedSubject.distinct.count + 2 * text.distinct.count)
        func add(_ text: TextWords, weight: Int) {
            let terms = Tokenizer.distinctTerms(text)
            let known = terms.map { $0.map { featureCounts[$0] != nil } ?? false }
            for index in terms.indices where known[index] {
                counts[terms[index]!, default: 0] += weight * text.occurrences[index]
            }
            guard usesBigrams else { return }
            // Bigrams join adjacent terms: words without a term (stop words) are passed over.
            var previous: Int?
            var bigrams: [Int: String?] = [:]
            bigrams.reserveCapacity(text.sequence.count)
            for index in text.sequence where terms[index] != nil {
                defer { previous = index }
                guard let before = previous, known[before], known[index] else { continue }
                let pair = before &* text.distinct.count &+ index
                let bigram: String?
                if let seen = bigrams[pair] {
                    bigram = seen
                } else {
                    let joined = terms[before]! + " " + terms[index]!
                    bigram = featureCounts[joined] != nil ? joined : nil
                    bigrams[pair] = bigram
                }
                if let bigram { counts[bigram, default: 0] += weight }
            }
        }
        add(normalizedSubject, weight: subjectWeight)
        add(text, weight: 1)
        return counts
    }

    private func softmax(_ logits: [String: Double], temperature: Double) -> [String: Double] {
        guard let maximum = logits.values.max() else { return [:] }
        let exps = logits.mapValues { exp(($0 - maximum) / temperature) }
        let sum = exps.values.reduce(0, +)
        return exps.mapValues { $0 / sum }
    }
}
