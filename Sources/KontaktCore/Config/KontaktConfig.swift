import Curl
import Foundation
import IMAP

/// Everything `kontakt.toml` says, with defaults applied and relative paths resolved
/// against the config file's folder. Secrets are not read here: they are read when a
/// connection is made (`Secrets`), so commands that never connect never need them.
public struct KontaktConfig: Sendable {
    public struct IMAP: Sendable {
        public var url: String
        public var username: String
        public var passwordFile: String?
        public var bearerTokenFile: String?
        public var bearerTokenCommand: String?
        /// Folders to poll; from the URL's path by default.
        public var folders: [String]
        public var afterFetch: AfterFetch = .move
        public var processedFolder: String = "Kontakt/Behandlat"
        public var maxMessageSize: Int = 25 * 1024 * 1024
        public var fetchMode: FetchMode = .single
        /// IMAP sessions fetching side by side in "single" mode (the first also does everything else).
        public var fetchConnections: Int = 2
        /// Committed messages between two rounds of after-fetch actions within a poll; whatever
        /// is owed is also carried out at the start and the end of each folder, so by default
        /// the actions come at the end. Each round switches the first session's folder to
        /// read-write and back, and a Maildir server (Dovecot) rescans the whole folder at each
        /// switch while files are being renamed: at 50, Dovecot's imap process spent half again
        /// as much CPU on a 10,000-message first poll as at 10,000 (BENCHMARKS.md "## Fetching").
        public var batchSize: Int = 10_000
        /// At most this many new messages are stored per poll; nil: all of them.
        public var maxMessagesPerPoll: Int?
        /// A poll stops committing once this many seconds have passed; nil: no limit.
        public var maxSecondsPerPoll: Double?
    }

    /// What the poller does on the server once a message is safely stored.
    public enum AfterFetch: String, Sendable {
        /// Add \Seen and leave it in place.
        case leave
        /// Move it to `processed_folder` (never deletes).
        case move
    }

    public enum FetchMode: String, Sendable {
        /// One `;UID=` URL per message: libcurl parses every literal.
        case single
        /// Custom `UID FETCH` of many at once, verified, with per-message fallback.
        case batch
    }

    public struct SMTP: Sendable {
        public var url: String
        public var username: String?
        public var passwordFile: String?
        public var bearerTokenFile: String?
        public var bearerTokenCommand: String?
        /// Copy each sent message to this IMAP folder (APPEND), when set.
        public var sentFolder: String?
        /// Give up on a deferred message after this many hours.
        public var maxRetryHours: Double = 48
        public var messagesPerMinute: Int?
        public var messagesPerDay: Int?
    }

    public struct Identity: Sendable {
        public var address: String
        public var name: String
        public var replyTo: String?
        /// The domain in our Message-IDs; the address's domain by default.
        public var messageIDDomain: String
        public var signature: String
        /// What our X-Loop header says; the address by default.
        public var loopID: String
    }

    public struct TLS: Sendable {
        public var caFile: String?
        public var verify: Bool = true
    }

    public struct Routing: Sendable {
        public var topicsFile: String?
        public var trainingDirectory: String
        public var threshold: Double = 0.25
        public var internalDomains: [String] = []
        public var businessDomains: [String] = []
        public var threadTag: String = "Kontakt"
    }

    public struct Acknowledgement: Sendable {
        public var enabled: Bool = false
        public var template: String = "kvitto"
    }

    public var file: String
    public var imap: IMAP
    public var smtp: SMTP?
    public var identity: Identity
    public var tls: TLS
    public var storePath: String
    public var routing: Routing
    public var acknowledgement: Acknowledgement
    public var templatesDirectory: String
    public var retentionDays: Int = 365
    public var healthMaxPollAgeMinutes: Int = 60
    /// `[hooks] after_poll`: a command run after a poll that stored new mail (`PollHook`).
    public var afterPollCommand: String?

    /// Where the config comes from: `--config`, else `$KONTAKT_CONFIG`, else `./kontakt.toml`.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment["KONTAKT_CONFIG"], !env.isEmpty { return env }
        return "kontakt.toml"
    }

    public static func load(path: String) throws(ConfigError) -> KontaktConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("\(path): no such config file — pass --config PATH or set KONTAKT_CONFIG (see etc/kontakt.example.toml)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(path): cannot read the config file (permissions?)")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> KontaktConfig {
        var r = try TOMLReader(file: file, text: text)
        let base = URL(fileURLWithPath: file).deletingLastPathComponent().path
        func resolve(_ path: String?) -> String? {
            guard let path, !path.isEmpty else { return nil }
            if path.hasPrefix("/") { return path }
            return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
        }

        let imapURL = try r.requiredString("imap", "url")
        guard imapURL.hasPrefix("imap://") || imapURL.hasPrefix("imaps://") else {
            throw ConfigError("\(file): [imap] url must start with imaps:// or imap:// (STARTTLS)")
        }
        let folderFromURL = IMAPClient.mailboxPath(of: imapURL) ?? "INBOX"
        var imap = IMAP(url: imapURL, username: try r.requiredString("imap", "username"),
                        passwordFile: resolve(try r.string("imap", "password_file")),
                        bearerTokenFile: resolve(try r.string("imap", "bearer_token_file")),
                        bearerTokenCommand: try r.string("imap", "bearer_token_command"),
                        folders: try r.strings("imap", "folders") ?? [folderFromURL])
        if let s = try r.string("imap", "after_fetch") {
            guard let v = AfterFetch(rawValue: s) else { throw ConfigError("\(file): [imap] after_fetch must be \"move\" or \"leave\"") }
            imap.afterFetch = v
        }
        if let s = try r.string("imap", "processed_folder") { imap.processedFolder = s }
        if let n = try r.int("imap", "max_message_size") {
            guard n > 0 else { throw ConfigError("\(file): [imap] max_message_size must be positive (bytes)") }
            imap.maxMessageSize = n
        }
        if let s = try r.string("imap", "fetch_mode") {
            guard let v = FetchMode(rawValue: s) else { throw ConfigError("\(file): [imap] fetch_mode must be \"batch\" or \"single\"") }
            imap.fetchMode = v
        }
        if let n = try r.int("imap", "fetch_connections") { imap.fetchConnections = max(1, min(n, 4)) }
        if let n = try r.int("imap", "batch_size") { imap.batchSize = max(1, min(n, 10_000)) }
        if let n = try r.int("imap", "max_messages_per_poll") {
            guard n > 0 else { throw ConfigError("\(file): [imap] max_messages_per_poll must be positive (leave it out for no limit)") }
            imap.maxMessagesPerPoll = n
        }
        if let n = try r.double("imap", "max_seconds_per_poll") {
            guard n >= 0 else { throw ConfigError("\(file): [imap] max_seconds_per_poll must not be negative (leave it out for no limit)") }
            imap.maxSecondsPerPoll = n
        }

        var smtp: SMTP?
        if let url = try r.string("smtp", "url") {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw ConfigError("\(file): [smtp] url must start with smtps:// or smtp:// (STARTTLS)")
            }
            var s = SMTP(url: url, username: try r.string("smtp", "username"),
                         passwordFile: resolve(try r.string("smtp", "password_file")),
                         bearerTokenFile: resolve(try r.string("smtp", "bearer_token_file")),
                         bearerTokenCommand: try r.string("smtp", "bearer_token_command"),
                         sentFolder: try r.string("smtp", "sent_folder"))
            if let h = try r.double("smtp", "max_retry_hours") { s.maxRetryHours = h }
            s.messagesPerMinute = try r.int("smtp", "messages_per_minute")
            s.messagesPerDay = try r.int("smtp", "messages_per_day")
            smtp = s
        } else if r.hasSection("smtp") {
            throw ConfigError("\(file): [smtp] url is missing")
        }

        let address = try r.requiredString("identity", "address")
        guard address.contains("@") else { throw ConfigError("\(file): [identity] address must be an e-mail address") }
        let domain = String(address.split(separator: "@").last ?? "localhost")
        let identity = Identity(address: address, name: try r.string("identity", "name") ?? "",
                                replyTo: try r.string("identity", "reply_to"),
                                messageIDDomain: try r.string("identity", "message_id_domain") ?? domain,
                                signature: try r.string("identity", "signature") ?? "",
                                loopID: try r.string("identity", "loop_id") ?? address.lowercased())

        var tls = TLS(caFile: resolve(try r.string("tls", "ca_file")))
        if let v = try r.bool("tls", "verify") { tls.verify = v }
        if let ca = tls.caFile, !FileManager.default.isReadableFile(atPath: ca) {
            throw ConfigError("\(file): [tls] ca_file \(ca) cannot be read")
        }

        let storePath = resolve(try r.string("store", "path")) ?? resolve("kontakt.sqlite")!

        var routing = Routing(topicsFile: resolve(try r.string("routing", "topics_file")),
                              trainingDirectory: resolve(try r.string("routing", "training_dir")) ?? resolve("training")!)
        if let t = try r.double("routing", "threshold") { routing.threshold = t }
        if let d = try r.strings("routing", "internal_domains") { routing.internalDomains = d.map { $0.lowercased() } }
        if let d = try r.strings("routing", "business_domains") { routing.businessDomains = d.map { $0.lowercased() } }
        if let t = try r.string("routing", "thread_tag") { routing.threadTag = t }

        var ack = Acknowledgement()
        if let e = try r.bool("acknowledgement", "enabled") { ack.enabled = e }
        if let t = try r.string("acknowledgement", "template") { ack.template = t }

        let templates = resolve(try r.string("templates", "dir")) ?? resolve("../templates")!
        var config = KontaktConfig(file: file, imap: imap, smtp: smtp, identity: identity, tls: tls, storePath: storePath,
                                   routing: routing, acknowledgement: ack, templatesDirectory: templates)
        if let d = try r.int("retention", "days") { config.retentionDays = d }
        if let m = try r.int("health", "max_poll_age_minutes") { config.healthMaxPollAgeMinutes = m }
        if let c = try r.string("hooks", "after_poll") {
            guard !c.trimmingCharacters(in: .whitespaces).isEmpty else { throw ConfigError("\(file): [hooks] after_poll is empty") }
            config.afterPollCommand = c
        }
        try r.rejectUnknownKeys()
        return config
    }
}

