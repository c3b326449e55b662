import Routing

extension Router {
    /// The topic list alone, for commands that show titles but never classify (no training needed).
    public static func topicCatalog(config: KontaktConfig) throws(KontaktError) -> TopicCatalog {
        try loadCatalog(config.routing.topicsFile)
    }
}
