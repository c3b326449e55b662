#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import struct Foundation.Date
import typealias Foundation.TimeInterval

/// The facts about an inbound message that threading looks at.
public struct InboundThreadingFacts: Sendable {
    public var messageID: String?
    public var inReplyTo: [String]
    /// Oldest first, as in the header.
    public var references: [String]
    public var subject: String
    /// `subject` normalised (`SubjectNormalizer.normalize`).
    public var normalizedSubject: String
    /// Lowercased address of the sender.
    public var senderAddress: String
    public var date: Date

    public init(messageID: String? = nil, inReplyTo: [String] = [], references: [String] = [],
                subject: String, normalizedSubject: String? = nil, senderAddress: String, date: Date) {
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
        self.subject = subject
        self.normalizedSubject = normalizedSubject ?? SubjectNormalizer.normalize(subject)
        self.senderAddress = senderAddress.lowercased()
        self.date = date
    }
}

/// A stored conversation as threading needs to see it.
public struct ConversationCandidate: Sendable, Hashable {
    public var id: Int64
    /// Lowercased addresses of everyone who wrote in, or was written to, in this conversation.
    public var participants: Set<String>
    public var lastActivity: Date

    public init(id: Int64, participants: Set<String>, lastActivity: Date) {
        self.id = id
        self.participants = Set(participants.map { $0.lowercased() })
        self.lastActivity = lastActivity
    }
}

/// Read access to stored conversations; the Store implements it. Message-IDs are passed
/// without angle brackets.
public protocol ConversationLookup {
    func conversation(containingMessageID id: String) -> ConversationCandidate?
    func conversation(id: Int64) -> ConversationCandidate?
    func recentConversations(normalizedSubject: String, sender: String, since: Date) -> [ConversationCandidate]
}

public enum MatchStrength: String, Sendable, Hashable, Codable {
    /// In-Reply-To or References named a message of the conversation.
    case reference
    /// Our subject tag, from someone who already takes part in the conversation.
    case tag
    /// Our subject tag, from someone who never took part: could be a stranger copying a subject.
    case weakTag
    /// Same normalised subject from the same sender recently: a guess.
    case subject

    /// Weak matches are shown to the director for confirmation instead of being merged silently.
    public var isWeak: Bool { self == .weakTag || self == .subject }
}

public enum ThreadMatch: Sendable, Hashable {
    case existing(id: Int64, strength: MatchStrength)
    case new
}

/// Attaches an inbound message to a conversation, strongest evidence first.
///
/// 1. In-Reply-To, then References newest first: Message-IDs are hard to guess, so a hit is
///    trusted whoever the sender is (people forward and reply from other addresses).
/// 2. Our `[Kontakt #42]` tag: trusted only when the sender already takes part; otherwise
///    weak, because anyone can type a tag and must not land in someone else's conversation.
/// 3. The normalised subject from the same sender within `window`: weak, and only for
///    subjects specific enough to mean something ("Fråga" or "Hej" never match).
public enum ThreadMatcher {
    /// Subject words too generic to identify a conversation on their own.
    static let genericSubjectWords: Set<String> = [
        "fråga", "frågor", "fraga", "fragor", "hej", "hejsan", "hello", "hi", "question", "questions", "info",
        "information", "om", "angående", "ang", "re", "sv", "test", "inget", "ämne", "no", "subject", "kontakt",
        "about", "regarding", "en", "ett", "a", "the", "till", "to", "från", "from", "tack", "thanks",
    ]

    public static func match(_ facts: InboundThreadingFacts, in lookup: some ConversationLookup,
                             tagName: String = "Kontakt", window: TimeInterval = 30 * 86400) -> ThreadMatch {
        let referenced = facts.inReplyTo + facts.references.reversed()
        for raw in referenced {
            let id = raw.trimmingCharacters(in: "<> \t")
            guard !id.isEmpty, id != facts.messageID?.trimmingCharacters(in: "<> \t") else { continue }
            if let conversation = lookup.conversation(containingMessageID: id) {
                return .existing(id: conversation.id, strength: .reference)
            }
        }

        if let tag = SubjectNormalizer.threadTag(in: facts.subject, tagName: tagName),
           let conversation = lookup.conversation(id: Int64(tag)) {
            let known = conversation.participants.contains(facts.senderAddress)
            return .existing(id: conversation.id, strength: known ? .tag : .weakTag)
        }

        let normalized = facts.normalizedSubject
        if isSpecific(normalized) {
            let since = facts.date.addingTimeInterval(-window)
            let candidates = lookup.recentConversations(normalizedSubject: normalized, sender: facts.senderAddress, since: since)
                .filter { $0.lastActivity >= since && $0.participants.contains(facts.senderAddress) }
            if let newest = candidates.max(by: { ($0.lastActivity, $0.id) < ($1.lastActivity, $1.id) }) {
                return .existing(id: newest.id, strength: .subject)
            }
        }
        return .new
    }

    /// A normalised subject can identify a conversation when, without generic words, it has
    /// at least two words or at least eight characters.
    static func isSpecific(_ normalizedSubject: String) -> Bool {
        let words = normalizedSubject.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { $0.lowercased() }
            .filter { !genericSubjectWords.contains($0) }
        return words.count >= 2 || words.joined().count >= 8
    }
}
