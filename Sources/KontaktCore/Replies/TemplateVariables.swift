import Foundation
import Routing
import Store

/// The variables a reply template may use, and how each is filled in. README lists them;
/// `MailTemplate.validate` refuses any other name before anything is queued.
public enum TemplateVariables {
    public static let reply: Set<String> = [
        "recipient_name", "recipient_address", "thread_id", "thread_tag", "topic_id", "topic_title",
        "subject", "question", "quoted_question", "signature", "sender_name", "sender_address", "date",
    ]

    /// Values for a reply to `conversation`, answering its latest inbound `message`.
    static func forReply(conversation: ConversationRecord, message: MessageRecord?, catalog: TopicCatalog,
                         identity: KontaktConfig.Identity, tag: String, now: Date) -> [String: Any] {
        let question = message?.newText ?? ""
        let english = conversation.language == "en"
        return [
            "recipient_name": conversation.contactName ?? "",
            "recipient_address": conversation.contactAddress,
            "thread_id": conversation.id.map { "\($0)" } ?? "",
            "thread_tag": "[\(tag) #\(conversation.id ?? 0)]",
            "topic_id": conversation.topic,
            "topic_title": english ? catalog.englishTitle(for: conversation.topic) : catalog.title(for: conversation.topic),
            "subject": conversation.subject,
            "question": question,
            "quoted_question": quote(question),
            "signature": identity.signature,
            "sender_name": identity.name,
            "sender_address": identity.address,
            "date": swedishDate(now),
        ]
    }

    static func quote(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? ">" : "> \($0)" }.joined(separator: "\n")
    }

    static func swedishDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "sv_SE")
        formatter.timeZone = TimeZone(identifier: "Europe/Stockholm")
        formatter.dateFormat = "d MMMM yyyy"
        return formatter.string(from: date)
    }
}
