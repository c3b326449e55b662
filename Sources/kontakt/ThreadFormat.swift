import Foundation
import KontaktCore

/// A thread as the director reads it in a terminal (`show`, `answer`).
enum ThreadFormat {
    static func render(_ thread: ThreadView, colour: Bool) -> String {
        var out: [String] = []
        let who = thread.name.map { "\($0) <\(thread.from)>" } ?? thread.from
        out.append(Terminal.bold("#\(thread.id)  \(thread.subject)", colour))
        out.append("från \(who) (\(thread.senderKind)) · \(thread.topicTitle) [\(thread.topic), "
                   + "\(thread.topicSource) \(Int(thread.confidence * 100))%] · \(thread.status)")
        if let until = thread.snoozedUntil, until > Date() {
            out.append(Terminal.dim("vilar till \(DateText.short(until)) (kontakt reopen \(thread.id) väcker det)", colour))
        }
        if let weak = thread.weakMatch {
            out.append(Terminal.yellow("? \(weak) — check that this belongs here (if not: kontakt split \(thread.id))", colour))
        }
        for message in thread.messages {
            out.append("")
            let arrow = message.direction == "in" ? "←" : "→"
            var head = "\(arrow) \(DateText.short(message.date))  \(message.direction == "in" ? message.from : message.to.joined(separator: ", "))"
            if let state = message.state { head += "  [\(message.kind ?? "") \(state)]" } else if let kind = message.kind { head += "  [\(kind)]" }
            // Received messages carry their number: what `kontakt split --message` takes.
            out.append(Terminal.bold(head, colour) + (message.direction == "in" ? Terminal.dim("  · meddelande \(message.id)", colour) : ""))
            out.append(Terminal.dim("  \(message.subject)", colour))
            let text = message.text.trimmingCharacters(in: .whitespacesAndNewlines)
            out.append(contentsOf: (text.isEmpty ? "(ingen ny text)" : text).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 })
            if message.fullText.count > message.text.count + 20 {
                out.append(Terminal.dim("  […citerad text dold; --raw visar meddelandet som det kom]", colour))
            }
            for a in message.attachments {
                out.append("  @ \(a.filename ?? "(namnlös)")  \(a.contentType)  \(ByteCountFormatter.string(fromByteCount: Int64(a.size), countStyle: .file))")
            }
        }
        if !thread.notes.isEmpty {
            out.append("")
            out.append(Terminal.bold("Anteckningar (interna)", colour))
            for note in thread.notes { out.append("  \(DateText.short(note.at))  \(note.text)") }
        }
        if !thread.events.isEmpty {
            out.append("")
            out.append(Terminal.bold("Händelser", colour))
            for e in thread.events {
                out.append(Terminal.dim("  \(DateText.short(e.at))  \(e.actor)  \(e.kind)\(e.detail.isEmpty ? "" : "  \(e.detail)")", colour))
            }
        }
        return out.joined(separator: "\n")
    }
}
