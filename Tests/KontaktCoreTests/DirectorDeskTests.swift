import Foundation
import MailMessage
import Routing
import Store
import Testing
@testable import KontaktCore

/// The director's changes by hand that reshape the queue: `merge` and `split` mend threading,
/// `snooze` lets a conversation rest.
@Suite struct DirectorDeskTests {
    let config: KontaktConfig
    let store: Store
    let ingestor: Ingestor
    var desk: DirectorDesk
    /// The desk's "now", which the snooze tests move.
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    init() throws {
        config = try Fixtures.config()
        store = try Store()
        let router = try Router(config: config, corrections: [])
        ingestor = Ingestor(router: router, config: config)
        desk = DirectorDesk(store: store, router: router, actor: "kommundirektor")
        desk.clock = { [now] in now }
    }

    /// Ingests a message and returns the conversation it went to.
    func ingest(from: String, subject: String, body: String) throws -> Int64 {
        let raw = Fixtures.message(from: from, subject: subject, body: body)
        let outcome = try store.write { tx in try ingestor.ingest(raw, origin: InboundOrigin(isBacklog: false, receivedAt: now), in: tx) }
        guard case .accepted(_, let id, _) = outcome else { throw KontaktError.invalid("not accepted: \(outcome)") }
        return id
    }

    func conversation(_ id: Int64) throws -> ConversationRecord? { try store.read { tx in try tx.conversation(id: id) } }
    func messages(_ id: Int64) throws -> [MessageRecord] { try store.read { tx in try tx.messages(inConversation: id) } }

    @Test func actorIsUserOrDirector() {
        #expect(DirectorDesk.currentActor(environment: ["USER": "asa"]) == "asa")
        #expect(DirectorDesk.currentActor(environment: ["USER": " "]) == "director")
        #expect(DirectorDesk.currentActor(environment: [:]) == "director")
    }

    // MARK: - merge and split

    @Test func mergingMovesEverythingAndTheOldTagStillThreads() throws {
        let first = try ingest(from: "anna@example.se", subject: "Fråga om materialet", body: "Var finns bilderna från seminariet?")
        let second = try ingest(from: "anna@example.se", subject: "Utvärderingen", body: "Länken till utvärderingen fungerar inte.")
        #expect(first != second)
        try desk.note(second, text: "Ringde Anna, hon väntar på länken.")
        try desk.close(first)

        try desk.merge(second, into: first)
        #expect(try conversation(second) == nil)
        #expect(try store.read { tx in try tx.mergedTarget(of: second) } == first)
        let merged = try #require(try conversation(first))
        #expect(try messages(first).count == 2)
        #expect(merged.status == .open, "the merged-in conversation was waiting, so the result waits")
        #expect(try store.read { tx in try tx.notes(ofConversation: first) }.map(\.text) == ["Ringde Anna, hon väntar på länken."])
        let events = try store.read { tx in try tx.events(ofConversation: first) }
        #expect(events.contains { $0.kind == "merged" && $0.actor == "kommundirektor" && $0.detail.contains("#\(second)") })
        #expect(events.filter { $0.kind == "opened" }.count == 2, "the merged conversation's history comes along")

        // The old id says where it went.
        let error = #expect(throws: KontaktError.self) { try desk.close(second) }
        #expect(error?.description.contains("merged into #\(first)") == true, "\(String(describing: error))")

        // Anna answers a reply that carried the old tag: it lands in the merged conversation.
        let tagged = SubjectNormalizer.tagged("Utvärderingen", id: Int(second), tagName: config.routing.threadTag)
        #expect(try ingest(from: "anna@example.se", subject: "SV: " + tagged, body: "Nu fungerar den, tack!") == first)

        // The merged id was the highest: a new conversation must not take it over.
        let next = try ingest(from: "bertil@example.se", subject: "Snöröjning", body: "När plogas Storgatan?")
        #expect(next != second && next > second)
        #expect(try ingest(from: "anna@example.se", subject: "SV: " + tagged, body: "En sak till.") == first)
    }

    @Test func aConversationCannotBeMergedIntoItselfOrANonexistentOne() throws {
        let id = try ingest(from: "anna@example.se", subject: "Fråga", body: "Hej!")
        #expect(throws: KontaktError.self) { try desk.merge(id, into: id) }
        #expect(throws: KontaktError.self) { try desk.merge(id, into: 999) }
        #expect(try conversation(id) != nil, "a refused merge changes nothing")
    }

    /// A stranger's message that joined on another person's tag (a weak match) gets a
    /// conversation of its own, routed as if it had arrived alone.
    @Test func splittingGivesAWeakMatchItsOwnConversation() throws {
        let anna = try ingest(from: "anna@example.se", subject: "Fråga om programmet",
                              body: "Hej! Var finns programmet för Chefens dag och presentationen från inledningen?")
        let tagged = SubjectNormalizer.tagged("Snöröjning", id: Int(anna), tagName: config.routing.threadTag)
        #expect(try ingest(from: "olle@example.se", subject: tagged,
                           body: "Hej, när plogas Storgatan? Snön ligger kvar sedan i måndags.") == anna)
        #expect(try conversation(anna)?.weakMatch != nil, "a stranger's tag is a weak match")

        let fresh = try desk.split(anna)
        #expect(fresh != anna)
        let own = try #require(try conversation(fresh))
        #expect(own.contactAddress == "olle@example.se")
        #expect(own.topic == "ovrigt", "routed on its own text, not left under the day's topic")
        #expect(try messages(fresh).map(\.fromAddress) == ["olle@example.se"])
        #expect(try messages(anna).map(\.fromAddress) == ["anna@example.se"])
        #expect(try conversation(anna)?.weakMatch == nil)
        #expect(try store.read { tx in try tx.participants(ofConversation: anna) } == ["anna@example.se"])
        #expect(try store.read { tx in try tx.participants(ofConversation: fresh) } == ["olle@example.se"])
        #expect(try store.read { tx in try tx.events(ofConversation: fresh) }.contains { $0.kind == "split" })

        // Nothing left to split from, and a message of another conversation is not found.
        #expect(throws: KontaktError.self) { try desk.split(fresh) }
        let annasMessage = try #require(try messages(anna).first?.id)
        #expect(throws: KontaktError.self) { try desk.split(fresh, message: annasMessage) }
    }

    // MARK: - snooze

    func queue(_ rest: StoreTransaction.Rest) throws -> [Int64] {
        try store.read { tx in try tx.queue(statuses: [.open], rest: rest) }.compactMap(\.conversation.id)
    }

    @Test func aRestingConversationLeavesTheQueueAndComesBackOnItsDate() throws {
        let id = try ingest(from: "anna@example.se", subject: "Materialet", body: "När kommer materialet från seminarierna?")
        let wake = now.addingTimeInterval(2 * 86_400)
        #expect(try desk.snooze(id, until: wake) == .changed)
        #expect(try queue(.awake(at: now)).isEmpty)
        #expect(try queue(.resting(at: now)) == [id])
        #expect(try queue(.any) == [id], "a topic-wide answer still reaches it")
        #expect(try queue(.awake(at: wake)) == [id], "back by itself on the day")
        // Nor is it the oldest waiting one in `kontakt status` while it rests.
        #expect(try store.read { tx in try tx.healthFacts(now: now) }.oldestWaitingConversationId == nil)
        #expect(try store.read { tx in try tx.healthFacts(now: wake) }.oldestWaitingConversationId == id)
        #expect(try store.read { tx in try tx.events(ofConversation: id) }.contains { $0.kind == "snoozed" && $0.actor == "kommundirektor" })
    }

    @Test func theSenderWritingOrReopenWakesIt() throws {
        let id = try ingest(from: "anna@example.se", subject: "Materialet", body: "När kommer materialet från seminarierna?")
        try desk.snooze(id, until: now.addingTimeInterval(7 * 86_400))
        #expect(try ingest(from: "anna@example.se", subject: "SV: Materialet", body: "Jag behöver det till fredag.") == id)
        #expect(try conversation(id)?.snoozedUntil == nil)
        #expect(try queue(.awake(at: now)) == [id])
        #expect(try store.read { tx in try tx.events(ofConversation: id) }.contains { $0.kind == "woken" && $0.actor == "poller" })

        try desk.snooze(id, until: now.addingTimeInterval(7 * 86_400))
        #expect(try desk.reopen(id) == .changed)
        #expect(try queue(.awake(at: now)) == [id])
        #expect(try desk.reopen(id) != .changed, "an awake open conversation is already open")
    }

    @Test func onlyAnOpenConversationRestsAndOnlyUntilALaterDay() throws {
        let id = try ingest(from: "anna@example.se", subject: "Materialet", body: "När kommer materialet?")
        #expect(throws: KontaktError.self) { try desk.snooze(id, until: now.addingTimeInterval(-60)) }
        try desk.close(id)
        #expect(try desk.snooze(id, until: now.addingTimeInterval(86_400)) != .changed)
        #expect(try conversation(id)?.snoozedUntil == nil)
    }
}
