import Foundation
import MailMessage
import Routing
import Store
import TOMLKit

/// Kontakt's judgement on an inbound message: robot or human, which conversation, which topic.
///
/// The decisions themselves are pure functions in the `Routing` module; this type feeds them
/// facts from the parsed message and the store, and owns the classifier trained from the
/// shipped examples plus every correction the director has made.
public struct Router: Sendable {
    public let catalog: TopicCatalog
    public private(set) var classifier: TopicClassifier
    public let threshold: Double
    let config: KontaktConfig

    /// Trains the classifier from `[routing] training_dir` and the store's corrections.
    public init(config: KontaktConfig, corrections: [TrainingExample]) throws(KontaktError) {
        self.config = config
        catalog = try Router.loadCatalog(config.routing.topicsFile)
        threshold = config.routing.threshold
        var examples = try Router.loadTraining(config.routing.trainingDirectory)
        examples += corrections
        classifier = TopicClassifier(examples: examples)
    }

    /// Trains from the store's corrections too.
    public init(config: KontaktConfig, store: Store) throws(KontaktError) {
        let corrections: [TrainingExample]
        do {
            corrections = try store.read { tx in try tx.corrections() }.map { TrainingExample(text: $0.text, label: $0.label) }
        } catch {
            throw KontaktError.failed("cannot read corrections from the store: \(error)")
        }
        try self.init(config: config, corrections: corrections)
    }

    /// Learns one correction at once (the director's `route`).
    public mutating func learn(text: String, label: String) {
        classifier.learn(TrainingExample(text: text, label: label))
    }

    public func classify(subject: String, text: String) -> Classification {
        classifier.classify(subject: subject, text: text, threshold: threshold)
    }

    public func classify(normalizedSubject: TextWords, text: TextWords) -> Classification {
        classifier.classify(normalizedSubject: normalizedSubject, text: text, threshold: threshold)
    }

    static func loadTraining(_ directory: String) throws(KontaktError) -> [TrainingExample] {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw KontaktError.failed("cannot read the training examples in \(directory) — check [routing] training_dir")
        }
        var examples: [TrainingExample] = []
        for file in files.sorted() where file.hasSuffix(".tsv") {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            examples += TrainingSet.parse(tsv: String(decoding: data, as: UTF8.self))
        }
        guard !examples.isEmpty else {
            throw KontaktError.failed("no training examples (*.tsv) in \(directory) — check [routing] training_dir")
        }
        return examples
    }

    /// Topics from a TOML file of `[[topic]]` tables (`id`, `title`, `english_title`), or the defaults.
    static func loadCatalog(_ file: String?) throws(KontaktError) -> TopicCatalog {
        guard let file else { return .default }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw KontaktError.failed("cannot read the topics file \(file) — check [routing] topics_file")
        }
        do {
            let table = try TOMLTable(string: String(decoding: data, as: UTF8.self))
            guard let list = table["topic"]?.array else {
                throw KontaktError.invalid("\(file): expected [[topic]] tables")
            }
            var topics: [Topic] = []
            for (index, entry) in list.enumerated() {
                guard let t = entry.table, let id = t["id"]?.string, let title = t["title"]?.string else {
                    throw KontaktError.invalid("\(file): topic \(index + 1) needs id and title")
                }
                topics.append(Topic(id: id, title: title, englishTitle: t["english_title"]?.string ?? title))
            }
            return TopicCatalog(topics: topics)
        } catch let error as KontaktError {
            throw error
        } catch {
            throw KontaktError.invalid("\(file): not valid TOML: \(error)")
        }
    }
}

extension Router {
    /// The facts robot detection needs, read from a parsed message.
    func robotEvidence(for message: Message, normalizedSubject: String? = nil) -> RobotEvidence {
        var deliveryStatus: String?
        var returnedHeaders: String?
        for part in message.allParts() {
            let type = "\(part.mediaType.type)/\(part.mediaType.subtype)"
            switch type {
            case "message/delivery-status", "message/global-delivery-status":
                deliveryStatus = String(decoding: part.body, as: UTF8.self)
            case "text/rfc822-headers", "message/global-headers":
                returnedHeaders = String(decoding: part.body, as: UTF8.self)
            case "message/rfc822":
                if returnedHeaders == nil, let inner = part.encapsulated {
                    returnedHeaders = inner.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
                }
            default: break
            }
        }
        let contentType = message.header("Content-Type") ?? "text/plain"
        return RobotEvidence(
            headers: message.headers.map { (name: $0.name, value: $0.value) },
            subject: message.subject ?? "",
            normalizedSubject: normalizedSubject,
            fromAddress: message.from.first?.address.lowercased() ?? "",
            returnPath: message.header("Return-Path").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) },
            text: message.text,
            contentType: contentType,
            deliveryStatus: deliveryStatus,
            returnedHeaders: returnedHeaders,
            ownLoopID: config.identity.loopID
        )
    }
}

/// The store, seen as the conversation index that thread matching asks.
struct StoreConversationLookup: ConversationLookup {
    let tx: StoreTransaction

    func conversation(containingMessageID id: String) -> ConversationCandidate? {
        guard let conversationId = try? tx.conversationId(containingMessageID: id) else { return nil }
        return conversation(id: conversationId)
    }

    /// A conversation by id, following a merge: the `[Kontakt #7]` of a conversation merged into
    /// #3 finds #3.
    func conversation(id: Int64) -> ConversationCandidate? {
        let found = (try? tx.conversation(id: id)) ?? (try? tx.mergedTarget(of: id)).flatMap { $0 }.flatMap { try? tx.conversation(id: $0) }
        guard let record = found, let id = record.id, !record.isRobot else { return nil }
        let participants = (try? tx.participants(ofConversation: id)) ?? []
        return ConversationCandidate(id: id, participants: participants, lastActivity: record.lastActivityAt)
    }

    func recentConversations(normalizedSubject: String, sender: String, since: Date) -> [ConversationCandidate] {
        let ids = (try? tx.conversationIds(normalizedSubject: normalizedSubject, participant: sender, since: since)) ?? []
        return ids.compactMap { conversation(id: $0) }
    }
}
