/// A subject area the director sorts inquiries into.
///
/// The `id` is stable: it is stored with every conversation and named in training files,
/// so it never changes once mail has been sorted by it. Titles are for people and may change.
public struct Topic: Sendable, Hashable, Codable {
    public var id: String
    /// Swedish title, shown to the director and used in Swedish replies.
    public var title: String
    /// English title for replies written in English.
    public var englishTitle: String

    public init(id: String, title: String, englishTitle: String) {
        self.id = id
        self.title = title
        self.englishTitle = englishTitle
    }
}

/// The documented topic list (mirrored in `etc/topics.toml`) plus the pseudo-topics that
/// routing assigns without the classifier.
public struct TopicCatalog: Sendable {
    public var topics: [Topic]

    public init(topics: [Topic]) {
        self.topics = topics
    }

    /// A thread the classifier was not confident about; the director sorts it by hand.
    public static let unsorted = "osorterad"
    /// Out-of-office and other automatic answers (RFC 3834 and friends).
    public static let autoReply = "auto-reply"
    /// Delivery failures returned by a mail server.
    public static let bounce = "bounce"

    /// The eight topics of the manager day, in the order the director reads them.
    public static let `default` = TopicCatalog(topics: [
        Topic(id: "chefens-dag", title: "Chefens dag", englishTitle: "The manager day"),
        Topic(id: "ansvar-i-vardagen", title: "Chefens ansvar i vardagen",
              englishTitle: "The manager's everyday responsibility"),
        Topic(id: "vardet-vi-skapar", title: "Värdet vi skapar tillsammans",
              englishTitle: "The value we create together"),
        Topic(id: "styra-och-leda",
              title: "Att styra och leda i en gemensam riktning vid förändring och komplexitet",
              englishTitle: "Steering and leading in a shared direction through change and complexity"),
        Topic(id: "utvecklingsresan", title: "Vår utvecklingsresa – mot ett bättre imorgon",
              englishTitle: "Our development journey – towards a better tomorrow"),
        Topic(id: "material", title: "Material från dagen", englishTitle: "Material from the day"),
        Topic(id: "utvardering", title: "Utvärdering", englishTitle: "Evaluation"),
        Topic(id: "ovrigt", title: "Övrigt", englishTitle: "Other"),
    ])

    /// Titles for the pseudo-topics, so listings never show a bare id for them.
    static let pseudoTopics: [String: Topic] = [
        unsorted: Topic(id: unsorted, title: "Osorterad", englishTitle: "Unsorted"),
        autoReply: Topic(id: autoReply, title: "Autosvar", englishTitle: "Automatic reply"),
        bounce: Topic(id: bounce, title: "Studsat meddelande", englishTitle: "Bounce"),
    ]

    public var ids: [String] { topics.map(\.id) }

    /// The topic with this id, including the pseudo-topics `osorterad`, `auto-reply` and `bounce`.
    public func topic(id: String) -> Topic? {
        topics.first { $0.id == id } ?? Self.pseudoTopics[id]
    }

    /// The Swedish title, or the id itself when the id is unknown (an old label, a typo in a file).
    public func title(for id: String) -> String {
        topic(id: id)?.title ?? id
    }

    /// The English title, or the id itself when the id is unknown.
    public func englishTitle(for id: String) -> String {
        topic(id: id)?.englishTitle ?? id
    }
}
