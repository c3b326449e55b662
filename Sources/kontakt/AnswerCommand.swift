import ArgumentParser
import Foundation
import KontaktCore
import Store

struct AnswerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Work through the queue one conversation at a time, with single keys.",
        discussion: """
            Each open conversation is shown (oldest first, topic by topic) with the reply its topic's template proposes. Then one key:
              r  queue the proposed reply          e  edit it in $EDITOR, then queue
              t  route to another topic            c  close (no reply)
              n  add an internal note              s  skip for now
              v  let it rest N days (snooze)       q  quit (also Ctrl-C, Ctrl-D)
            Nothing is sent here: replies go to the outbox for `kontakt send`. Needs a terminal.

            Examples:
              kontakt answer
              kontakt answer --topic material
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this topic.") var topic: String?

    func run() throws {
        try reportingErrors {
            guard Terminal.stdinIsTTY else {
                throw Failure("kontakt answer needs a terminal — in scripts use queue, show, reply and close")
            }
            let session = try Session(global)
            var desk = try session.desk()
            let replies = ReplyDesk(config: session.config, store: session.store, catalog: desk.router.catalog)
            let ids = try session.store.read { tx in try tx.queue(statuses: [.open], topic: topic, rest: .awake(at: Date())) }.compactMap(\.conversation.id)
            if ids.isEmpty { print("Inga ärenden väntar. (No conversations waiting.)"); return }
            let terminal = try RawTerminal()
            defer { terminal.restore() }
            var tally = Tally()
            let colour = Terminal.colour
            conversations: for (index, id) in ids.enumerated() {
                // Another session may have answered it meanwhile.
                guard let current = try session.store.read({ tx in try tx.conversation(id: id) }), current.status == .open else { continue }
                while true {
                    let thread = try ThreadView.load(id: id, from: session.store, catalog: desk.router.catalog)
                    Terminal.write("\n" + String(repeating: "─", count: 72) + "\n")
                    Terminal.write("(\(index + 1)/\(ids.count))\n" + ThreadFormat.render(thread, colour: colour) + "\n\n")
                    var proposal: ReplyDesk.Draft?
                    do {
                        proposal = try replies.draft(id, template: nil)
                        Terminal.write(Terminal.bold("Förslag (mall \(thread.topic)):", colour) + "\n")
                        Terminal.write(Editor.join(subject: proposal!.subject, body: proposal!.body)
                            .split(separator: "\n", omittingEmptySubsequences: false).map { "  │ " + $0 }.joined(separator: "\n") + "\n")
                    } catch {
                        Terminal.write(Terminal.yellow("Inget förslag: \(error)", colour) + "\n")
                    }
                    // Raw before the prompt: a key typed as soon as the prompt shows is never echoed or lost.
                    terminal.enter()
                    Terminal.write("\n[r]svara  [e]redigera  [t]ämne  [c]stäng  [n]anteckning  [s]hoppa över  [v]ila  [q]avsluta > ")
                    guard let key = terminal.readKey() else { break conversations }
                    Terminal.write(String(UnicodeScalar(key >= 0x20 && key < 0x7F ? key : 0x20)) + "\n")
                    switch key {
                    case UInt8(ascii: "r"):
                        guard let proposal else { Terminal.write("Inget förslag att köa; tryck e för att skriva själv.\n"); continue }
                        let entry = try replies.queue(id, body: proposal.body, subject: proposal.subject, template: thread.topic)
                        Terminal.write("Svar i utkorgen (outbox \(entry.id ?? 0)).\n")
                        tally.replied += 1
                        continue conversations
                    case UInt8(ascii: "e"):
                        terminal.restore()
                        let start = proposal.map { Editor.join(subject: $0.subject, body: $0.body) } ?? ""
                        switch try Editor.edit(start, name: "svar-\(id).txt") {
                        case .abandoned(let why):
                            Terminal.write(why + "\n")
                        case .edited(let text):
                            let (subject, body) = Editor.split(text)
                            let entry = try replies.queue(id, body: body, subject: subject, template: thread.topic)
                            Terminal.write("Svar i utkorgen (outbox \(entry.id ?? 0)).\n")
                            tally.replied += 1
                            continue conversations
                        }
                    case UInt8(ascii: "t"):
                        let ids = desk.router.catalog.ids
                        Terminal.write(ids.enumerated().map { "  \($0.offset + 1)  \($0.element)" }.joined(separator: "\n") + "\n")
                        guard let answer = terminal.readLine(prompt: "Ämne (nummer eller id, tomt = avbryt): ")?
                            .trimmingCharacters(in: .whitespaces), !answer.isEmpty else { continue }
                        let chosen = Int(answer).flatMap { $0 >= 1 && $0 <= ids.count ? ids[$0 - 1] : nil } ?? answer
                        do {
                            try desk.route(id, to: chosen)
                            tally.routed += 1
                        } catch {
                            Terminal.write("\(error)\n")
                        }
                    case UInt8(ascii: "c"):
                        try desk.close(id)
                        Terminal.write("Stängt.\n")
                        tally.closed += 1
                        continue conversations
                    case UInt8(ascii: "n"):
                        guard let text = terminal.readLine(prompt: "Anteckning: "), !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                        try desk.note(id, text: text)
                    case UInt8(ascii: "v"):
                        guard let answer = terminal.readLine(prompt: "Vila hur många dagar (tomt = avbryt): ")?
                            .trimmingCharacters(in: .whitespaces), !answer.isEmpty else { continue }
                        guard let days = Int(answer), days >= 1 else { Terminal.write("Ange ett antal dagar, t.ex. 3.\n"); continue }
                        let wake = CalendarDay.start(daysAfterToday: days)
                        try desk.snooze(id, until: wake)
                        Terminal.write("Vilar till \(DateText.short(wake)).\n")
                        tally.snoozed += 1
                        continue conversations
                    case UInt8(ascii: "s"), UInt8(ascii: " "):
                        tally.skipped += 1
                        continue conversations
                    case UInt8(ascii: "q"), 3, 4, 27:
                        break conversations
                    default:
                        Terminal.write("Okänd tangent.\n")
                    }
                }
            }
            terminal.restore()
            print("\nKlart: \(tally.replied) svar köade, \(tally.closed) stängda, \(tally.routed) flyttade, \(tally.skipped) överhoppade"
                  + (tally.snoozed > 0 ? ", \(tally.snoozed) vilande." : ".")
                  + (tally.replied > 0 ? " `kontakt send` skickar svaren." : ""))
        }
    }

    struct Tally {
        var replied = 0
        var closed = 0
        var routed = 0
        var skipped = 0
        var snoozed = 0
    }
}
