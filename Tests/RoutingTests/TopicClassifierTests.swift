import Testing
@testable import Routing

@Suite struct TopicClassifierTests {
    static let small: [TrainingExample] = [
        .init(text: "Kan ni skicka presentationen och bilderna?", label: "material"),
        .init(text: "Jag fick inte materialet, skicka länken igen", label: "material"),
        .init(text: "Tack för en bra dag, här är min återkoppling", label: "utvardering"),
        .init(text: "Enkäten om dagen gick inte att skicka in", label: "utvardering"),
        .init(text: "Snöröjningen på min gata är dålig", label: "ovrigt"),
        .init(text: "Bygglov för garage, hur lång tid tar det", label: "ovrigt"),
    ]

    /// Classifying looks up only the features the model knows (`knownFeatures`); that must be
    /// exactly all features filtered to the known ones, for held-out mail, training texts and
    /// subjects, or scores would change.
    @Test func knownFeaturesAreAllFeaturesTheModelHasCountsFor() throws {
        let examples = try Fixtures.trainingExamples()
        let classifier = TopicClassifier(examples: examples)
        let vocabulary = Set(examples.flatMap { classifier.features(normalizedSubject: "", text: TextWords($0.text)).keys })
        var checked = 0
        for mail in try Fixtures.heldOut() {
            for (subject, text) in [(mail.subject, mail.body), ("", mail.subject + " " + mail.body), (mail.body, "")] {
                let words = TextWords(text)
                let normalized = SubjectNormalizer.normalize(subject)
                let all = classifier.features(normalizedSubject: normalized, text: words).filter { vocabulary.contains($0.key) }
                #expect(classifier.knownFeatures(normalizedSubject: TextWords(normalized), text: words) == all, "\(mail.file)")
                checked += all.count
            }
        }
        #expect(checked > 1_000, "the held-out mail shares many features with the training set")
    }

    @Test func classifiesAndExplains() {
        let classifier = TopicClassifier(examples: Self.small)
        let result = classifier.classify(subject: "Presentationen", text: "Hej, kan ni skicka bilderna från dagen?", threshold: 0)
        #expect(result.topic == "material")
        #expect(result.confidence > 0.34 && result.confidence <= 1)
        #expect(abs(result.scores.values.reduce(0, +) - 1) < 1e-9)
        #expect(result.decidingTerms.contains { $0.term == "presentation" })
        #expect(result.decidingTerms.allSatisfy { $0.weight > 0 })
        #expect(classifier.labels == ["material", "ovrigt", "utvardering"])
    }

    @Test func belowThresholdGoesToUnsortedButKeepsTheGuess() {
        let classifier = TopicClassifier(examples: Self.small)
        let result = classifier.classify(subject: "", text: "skicka", threshold: 0.99)
        #expect(result.topic == TopicCatalog.unsorted)
        #expect(result.bestGuess == "material")
        let unknown = classifier.classify(subject: "", text: "xyzzy plugh", threshold: 0)
        #expect(unknown.topic == TopicCatalog.unsorted, "no known word: nothing to decide on")
        #expect(unknown.decidingTerms.isEmpty)
    }

    @Test func aCorrectionChangesTheOutcomeAtOnce() throws {
        var classifier = TopicClassifier(examples: try Fixtures.trainingExamples())
        let text = "Vad händer med kvastbudgeten?"
        let before = classifier.classify(subject: "Kvastbudgeten", text: text, threshold: 0)
        #expect(before.topic != "utvecklingsresan")
        // The director files three mails about the novel word under one topic.
        classifier.learn([
            .init(text: "Hej, när beslutas kvastbudgeten?", label: "utvecklingsresan"),
            .init(text: "Kvastbudgeten verkar oklar för oss", label: "utvecklingsresan"),
            .init(text: "fråga om kvastbudgeten nästa år", label: "utvecklingsresan"),
        ])
        let after = classifier.classify(subject: "Kvastbudgeten", text: text, threshold: 0)
        #expect(after.topic == "utvecklingsresan")
        #expect(after.decidingTerms.contains { $0.term == "kvastbudget" })
    }

    @Test func emptyClassifierSaysUnsorted() {
        let result = TopicClassifier().classify(subject: "x", text: "y")
        #expect(result.topic == TopicCatalog.unsorted)
        #expect(result.confidence == 0)
    }
}
