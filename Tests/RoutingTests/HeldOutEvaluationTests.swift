import Testing
@testable import Routing

@Suite struct HeldOutEvaluationTests {
    @Test func trainingSetIsLargeEnoughPerTopic() throws {
        let examples = try Fixtures.trainingExamples()
        let perLabel = Dictionary(grouping: examples, by: \.label).mapValues(\.count)
        for topic in TopicCatalog.default.topics {
            #expect(perLabel[topic.id, default: 0] >= 35, "topic \(topic.id) has \(perLabel[topic.id, default: 0]) examples")
        }
        #expect(Set(perLabel.keys) == Set(TopicCatalog.default.ids), "training labels must be the documented topics")
    }

    @Test func heldOutSetCoversEveryTopic() throws {
        let mails = try Fixtures.heldOut()
        let perLabel = Dictionary(grouping: mails, by: \.label).mapValues(\.count)
        for topic in TopicCatalog.default.topics {
            #expect(perLabel[topic.id, default: 0] >= 10)
        }
    }

    @Test func macroF1OnHeldOutSetIsAtLeast90Percent() throws {
        let classifier = TopicClassifier(examples: try Fixtures.trainingExamples())
        let mails = try Fixtures.heldOut()
        var pairs: [(expected: String, predicted: String)] = []
        var confident: [(expected: String, predicted: String)] = []
        for mail in mails {
            // Threshold 0: measure the model's best guess, not the unsorted fallback.
            let result = classifier.classify(subject: mail.subject, text: mail.body, threshold: 0)
            pairs.append((mail.label, result.topic))
            if result.confidence >= 0.5 { confident.append((mail.label, result.topic)) }
            if result.topic != mail.label {
                print("miss \(mail.file): predicted \(result.topic) (\(result.confidence)) via \(result.decidingTerms.map(\.term))")
            }
        }
        let evaluation = Evaluation(pairs: pairs)
        print(evaluation.report)
        print("held-out macro-F1: \(evaluation.macroF1)")
        // How the default threshold of 0.5 would route: share sorted automatically, and their accuracy.
        print("at threshold 0.5: \(confident.count)/\(mails.count) sorted, accuracy \(Evaluation(pairs: confident).accuracy)")
        #expect(evaluation.macroF1 >= 0.90)
    }
}
