import Foundation
import Testing
@testable import Routing

/// An in-memory lookup that behaves like the Store's queries.
struct FakeLookup: ConversationLookup {
    var conversations: [ConversationCandidate]
    var messageIDs: [String: Int64]
    var subjects: [Int64: String]

    func conversation(containingMessageID id: String) -> ConversationCandidate? {
        messageIDs[id].flatMap { conversation(id: $0) }
    }
    func conversation(id: Int64) -> ConversationCandidate? {
        conversations.first { $0.id == id }
    }
    func recentConversations(normalizedSubject: String, sender: String, since: Date) -> [ConversationCandidate] {
        conversations.filter { subjects[$0.id] == normalizedSubject && $0.participants.contains(sender) && $0.lastActivity >= since }
    }
}

@Suite struct ThreadMatcherTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static let day: TimeInterval = 86400

    static let lookup = FakeLookup(
        conversations: [
            ConversationCandidate(id: 42, participants: ["anna@example.com"], lastActivity: now - 2 * day),
            ConversationCandidate(id: 7, participants: ["bo@example.com"], lastActivity: now - 5 * day),
            ConversationCandidate(id: 9, participants: ["anna@example.com"], lastActivity: now - 45 * day),
        ],
        messageIDs: ["orig-7@example.com": 7, "svar-7@kommun.example.se": 7],
        subjects: [42: "material från seminariet", 7: "fråga", 9: "parkering vid stadshuset"])

    func match(subject: String, from: String = "anna@example.com", inReplyTo: [String] = [], references: [String] = []) -> ThreadMatch {
        ThreadMatcher.match(InboundThreadingFacts(messageID: "new@x", inReplyTo: inReplyTo, references: references,
                                                  subject: subject, senderAddress: from, date: Self.now),
                            in: Self.lookup)
    }

    @Test func referenceWinsOverTag() {
        #expect(match(subject: "SV: [Kontakt #42] Material", inReplyTo: ["<svar-7@kommun.example.se>"]) == .existing(id: 7, strength: .reference))
        #expect(match(subject: "Re: x", references: ["<unknown@a>", "<orig-7@example.com>", "<also-unknown@b>"]) == .existing(id: 7, strength: .reference))
    }

    @Test func tagFromParticipantIsStrongFromStrangerWeak() {
        #expect(match(subject: "SV: [Kontakt #42] Material") == .existing(id: 42, strength: .tag))
        #expect(match(subject: "[Kontakt #42] hej", from: "stranger@evil.example") == .existing(id: 42, strength: .weakTag))
        #expect(MatchStrength.weakTag.isWeak && MatchStrength.subject.isWeak && !MatchStrength.tag.isWeak && !MatchStrength.reference.isWeak)
        // A tag naming no conversation falls through to the other rules.
        #expect(match(subject: "[Kontakt #999] Något helt annat") == .new)
    }

    @Test func subjectMatchesOnlySameSenderWithinWindow() {
        #expect(match(subject: "SV: Re: Material från seminariet") == .existing(id: 42, strength: .subject))
        #expect(match(subject: "Material från seminariet", from: "bo@example.com") == .new)
        // Conversation 9 was last active 45 days ago: beyond the 30-day window.
        #expect(match(subject: "Parkering vid stadshuset") == .new)
    }

    @Test func genericSubjectsNeverSubjectMatch() {
        #expect(match(subject: "Fråga", from: "bo@example.com") == .new)
        #expect(match(subject: "Re:", from: "bo@example.com") == .new)
        #expect(!ThreadMatcher.isSpecific("fråga"))
        #expect(!ThreadMatcher.isSpecific("hej"))
        #expect(ThreadMatcher.isSpecific("fråga om material"))
        #expect(ThreadMatcher.isSpecific("parkering"))
    }
}
