import Testing
@testable import Routing

@Suite struct EvaluationTests {
    @Test func matchesHandComputedFigures() {
        // a: TP 2, predicted 3, actual 3 → P = R = F1 = 2/3
        // b: TP 1, predicted 2, actual 2 → P = R = F1 = 1/2
        // c: TP 1, predicted 1, actual 1 → 1
        let evaluation = Evaluation(pairs: [("a", "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", "a"), ("c", "c")])
        #expect(abs(evaluation.accuracy - 4.0 / 6.0) < 1e-9)
        #expect(abs(evaluation.perLabel["a"]!.precision - 2.0 / 3.0) < 1e-9)
        #expect(abs(evaluation.perLabel["a"]!.recall - 2.0 / 3.0) < 1e-9)
        #expect(abs(evaluation.perLabel["b"]!.f1 - 0.5) < 1e-9)
        #expect(evaluation.perLabel["c"]!.f1 == 1)
        #expect(evaluation.perLabel["a"]!.support == 3)
        #expect(abs(evaluation.macroF1 - (2.0 / 3.0 + 0.5 + 1.0) / 3.0) < 1e-9)
    }

    @Test func asymmetricPrecisionAndRecall() {
        // a: TP 1, predicted 1, actual 2 → P 1, R 1/2, F1 2/3. x: predicted only, support 0.
        let evaluation = Evaluation(predictions: [("a", "a"), ("a", "x")])
        #expect(evaluation.perLabel["a"]!.precision == 1)
        #expect(evaluation.perLabel["a"]!.recall == 0.5)
        #expect(abs(evaluation.perLabel["a"]!.f1 - 2.0 / 3.0) < 1e-9)
        #expect(evaluation.perLabel["x"]!.support == 0)
        #expect(abs(evaluation.macroF1 - 2.0 / 3.0) < 1e-9)   // x is not averaged
    }

    @Test func emptyInputGivesZeros() {
        let evaluation = Evaluation(pairs: [])
        #expect(evaluation.accuracy == 0)
        #expect(evaluation.macroF1 == 0)
        #expect(evaluation.perLabel.isEmpty)
    }
}
