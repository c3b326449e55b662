import Testing
@testable import Routing

@Suite struct TrainingSetTests {
    @Test func parsesLabelsTextsCommentsAndEscapes() {
        let tsv = "# comment\nmaterial\tHej\\nkan ni skicka?\n\n  # indented comment\nutvardering\tBra dag\r\nbroken line without tab\n\tno label\n"
        let examples = TrainingSet.parse(tsv: tsv)
        #expect(examples == [
            TrainingExample(text: "Hej\nkan ni skicka?", label: "material"),
            TrainingExample(text: "Bra dag", label: "utvardering"),
        ])
    }

    @Test func serializeRoundTrips() {
        let examples = [TrainingExample(text: "rad ett\nrad två\tmed tab och \\", label: "ovrigt")]
        #expect(TrainingSet.parse(tsv: TrainingSet.serialize(examples)) == examples)
    }

    @Test func catalogHasTheEightTopicsInOrderAndTitles() {
        let catalog = TopicCatalog.default
        #expect(catalog.ids == ["chefens-dag", "ansvar-i-vardagen", "vardet-vi-skapar", "styra-och-leda",
                                "utvecklingsresan", "material", "utvardering", "ovrigt"])
        #expect(catalog.title(for: "vardet-vi-skapar") == "Värdet vi skapar tillsammans")
        #expect(catalog.title(for: "okänd") == "okänd")
        #expect(catalog.title(for: TopicCatalog.unsorted) == "Osorterad")
    }
}
