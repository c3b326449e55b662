import Curl
import Foundation

/// What `STATUS` says about a mailbox without selecting it.
public struct MailboxStatus: Sendable, Hashable {
    public var uidValidity: UInt32
    public var uidNext: UInt32
    public var messages: Int
}

/// A small typed IMAP client on libcurl, one connection for its whole life.
///
/// It offers only what Kontakt needs: capabilities, status, UID search, fetch (one message
/// per URL, or a validated batch), move/copy/expunge by UID, mailbox creation and APPEND.
/// Message bodies are fetched through `;UID=` URLs by default: that is the only path on
/// which libcurl 7.88 parses the literal itself (see ../shared/notes on libcurl).
///
/// Rules learnt from libcurl's IMAP code that this client keeps:
/// - never send SELECT/EXAMINE/CLOSE for *another* mailbox as a custom command: libcurl would
///   not know the selected mailbox changed, and a later URL fetch would read the wrong folder.
///   Re-opening the mailbox libcurl itself selected is safe, and is how fetches avoid setting
///   `\Seen` (see `fetch(uid:in:uidValidity:section:)`);
/// - commands that must not run inside a mailbox (STATUS, LIST, CREATE) use the server's
///   root URL, so libcurl does not SELECT first;
/// - any failed command closes libcurl's connection; the next call reconnects and logs in.
public final class IMAPClient: @unchecked Sendable {
    public let connection: CurlConnection
    private let handle: CurlHandle
    private var cachedCapabilities: Set<String>?
    /// Set after a batch fetch whose response we could not trust: the connection may hold unread bytes.
    private var connectionSuspect = false
    /// The server's certificate (PEM) from this client's first TLS handshake, for expiry warnings.
    public private(set) var serverCertificatePEM: String?
    /// The mailbox this session has re-opened read-only (EXAMINE) for fetching, if any.
    private var examined: MailboxName?

    /// - Parameter connection: its `url` is the server root, e.g. `imaps://imap.example.se:993`
    ///   (a mailbox path, if present, is ignored here; callers pass mailboxes explicitly).
    public init(connection: CurlConnection) throws(IMAPError) {
        var c = connection
        c.url = IMAPClient.serverRoot(of: connection.url)
        self.connection = c
        do { handle = try CurlHandle() } catch { throw IMAPError(error) }
    }

    /// `imaps://host:993/INBOX` → `imaps://host:993`
    public static func serverRoot(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        return String(url[..<slash])
    }

    /// `imaps://host/Kontakt%20In` → `Kontakt In`; nil when the URL names no mailbox.
    public static func mailboxPath(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let path = rest[rest.index(after: slash)...]
        return path.isEmpty ? nil : (path.removingPercentEncoding ?? String(path))
    }

    private func url(_ mailbox: MailboxName?) -> String {
        guard let mailbox else { return connection.url + "/" }
        return connection.url + "/" + mailbox.urlPath
    }

    private func run(_ url: String, _ command: String?, expectedBodySize: Int? = nil) throws(IMAPError) -> CurlResponse {
        var request = CurlRequest(url: url, connection: connection)
        request.customRequest = command
        request.expectedBodySize = expectedBodySize
        request.freshConnection = connectionSuspect
        request.collectServerCertificate = serverCertificatePEM == nil
        // A fresh connection starts with nothing selected, and a command on another mailbox makes
        // libcurl SELECT that one: either way the EXAMINE no longer holds.
        if let open = examined {
            let openURL = self.url(open)
            let sameMailbox = url == openURL || url.hasPrefix(openURL + ";") || url == self.url(nil)
            if request.freshConnection || !sameMailbox { examined = nil }
        }
        do {
            let response = try handle.perform(request)
            connectionSuspect = false
            if let pem = response.serverCertificatePEM { serverCertificatePEM = pem }
            return response
        } catch {
            // libcurl closes the connection after a failed command: the next one starts afresh.
            examined = nil
            throw failure(error, command: command)
        }
    }

    private func failure(_ error: CurlError, command: String?) -> IMAPError {
        var failure = IMAPError(error, command: command)
        failure.usedBearerToken = connection.bearerToken != nil
        return failure
    }

    private func lines(of response: CurlResponse) -> [String] { response.bodyLines }

    /// The capabilities after login (servers like Microsoft 365 advertise MOVE only then).
    public func capabilities() throws(IMAPError) -> Set<String> {
        if let cachedCapabilities { return cachedCapabilities }
        let response = try run(url(nil), "CAPABILITY")
        let caps = IMAPResponse.capabilities(lines(of: response) + response.headerLines)
        cachedCapabilities = caps
        return caps
    }

    /// Logs in (if not yet) and proves the server answers; used by `kontakt check`.
    public func noop() throws(IMAPError) {
        _ = try run(url(nil), "NOOP")
    }

    /// STATUS on an unselected mailbox: UIDVALIDITY and UIDNEXT in one round trip, which
    /// makes "nothing new" a constant-time answer.
    public func status(_ mailbox: MailboxName) throws(IMAPError) -> MailboxStatus {
        let response = try run(url(nil), "STATUS \(mailbox.quotedForCommand) (MESSAGES UIDNEXT UIDVALIDITY)")
        let items = IMAPResponse.statusItems(lines(of: response))
        guard let validity = items["UIDVALIDITY"], let next = items["UIDNEXT"] else {
            throw IMAPError(kind: .protocolViolation, message: "the server's STATUS reply for \(mailbox) lacked UIDVALIDITY or UIDNEXT")
        }
        return MailboxStatus(uidValidity: UInt32(truncatingIfNeeded: validity), uidNext: UInt32(truncatingIfNeeded: next),
                             messages: Int(items["MESSAGES"] ?? 0))
    }

    /// How many messages lack `\Seen` (what a mail client shows as unread); a STATUS of its own,
    /// so the poller's "anything new?" round trip asks for nothing it does not use.
    public func unseenCount(_ mailbox: MailboxName) throws(IMAPError) -> Int {
        let response = try run(url(nil), "STATUS \(mailbox.quotedForCommand) (UNSEEN)")
        guard let unseen = IMAPResponse.statusItems(lines(of: response))["UNSEEN"] else {
            throw IMAPError(kind: .protocolViolation, message: "the server's STATUS reply for \(mailbox) lacked UNSEEN")
        }
        return Int(unseen)
    }

    /// SELECTs the mailbox (through libcurl, so it knows) and returns its UIDVALIDITY.
    public func select(_ mailbox: MailboxName) throws(IMAPError) -> UInt32 {
        let response = try run(url(mailbox), "NOOP")
        if let validity = IMAPResponse.uidValidity(response.headerLines) { return validity }
        return try status(mailbox).uidValidity
    }

    /// UIDs ≥ `from` in `mailbox`, searched in pages so that no `* SEARCH` line grows past what
    /// libcurl 7.88 accepts. `UID n:*` always includes the highest UID even when it is below n
    /// (RFC 3501), so results are filtered here.
    public func uids(in mailbox: MailboxName, from: UInt32, below uidNext: UInt32, pageSize: UInt32 = 5_000) throws(IMAPError) -> [UInt32] {
        var all: [UInt32] = []
        var low = max(from, 1)
        while low < uidNext {
            let high = min(uidNext - 1, low &+ pageSize - 1)
            let response = try run(url(mailbox), "UID SEARCH UID \(low):\(high)")
            all += IMAPResponse.searchUIDs(lines(of: response)).filter { $0 >= low && $0 <= high }
            if high == UInt32.max { break }
            low = high + 1
        }
        return Array(Set(all)).sorted()
    }

    /// RFC822.SIZE for a set of UIDs (sizes are advisory: servers get them wrong).
    public func sizes(in mailbox: MailboxName, uids: [UInt32]) throws(IMAPError) -> [UInt32: Int] {
        var sizes: [UInt32: Int] = [:]
        // libcurl 7.88 counts each line of a custom command's response against its 300 KB
        // "response headers" limit at roughly the size of the read buffer it arrived in
        // (measured: ~1 KB a line from Dovecot), so 300 FETCH lines already fail with curl 56.
        for chunk in IMAPClient.uidSets(uids, limit: IMAPClient.linesPerCustomResponse) {
            let response = try run(url(mailbox), "UID FETCH \(chunk) (UID RFC822.SIZE)")
            sizes.merge(IMAPResponse.fetchSizes(lines(of: response))) { a, _ in a }
        }
        return sizes
    }

    /// One whole message through a `;UID=` URL; libcurl parses the literal. The UIDVALIDITY
    /// guard makes the server-side fetch fail rather than read a different message after a
    /// mailbox was recreated.
    ///
    /// Fetching never changes flags. libcurl's URL fetch is `UID FETCH n BODY[]`, never
    /// `BODY.PEEK[]`, so in a mailbox opened read-write the server marks every message `\Seen`
    /// as it is read — one flag change per message, which cost Dovecot a fifth of a 10,000-
    /// message poll (BENCHMARKS.md "## Fetching"), and a `\Seen` mark on mail a crash may leave
    /// unstored. So the mailbox is re-opened read-only with EXAMINE first (a custom command on the
    /// mailbox libcurl has selected itself, so libcurl keeps fetching without a new SELECT), and
    /// the after-fetch action sets `\Seen` in sets of UIDs instead.
    /// `expectedSize` (the message's RFC822.SIZE, when known) only sizes the receive buffer.
    public func fetch(uid: UInt32, in mailbox: MailboxName, uidValidity: UInt32, section: String? = nil,
                      expectedSize: Int? = nil) throws(IMAPError) -> [UInt8] {
        if examined != mailbox {
            _ = try run(url(mailbox), "EXAMINE \(mailbox.quotedForCommand)")
            examined = mailbox
        }
        var u = url(mailbox) + ";UIDVALIDITY=\(uidValidity)/;UID=\(uid)"
        if let section { u += "/;SECTION=\(section)" }
        return try run(u, nil, expectedBodySize: section == nil ? expectedSize : nil).body
    }

    /// Many messages in one round trip through a custom `UID FETCH`. Returns the bodies it could
    /// verify; missing UIDs must be fetched with `fetch(uid:)`. Uses BODY.PEEK so \Seen is untouched.
    public func fetchBatch(uids: [UInt32], in mailbox: MailboxName) throws(IMAPError) -> [UInt32: [UInt8]] {
        guard !uids.isEmpty else { return [:] }
        var bodies: [UInt32: [UInt8]] = [:]
        for chunk in IMAPClient.uidSets(uids) {
            let response = try run(url(mailbox), "UID FETCH \(chunk) (UID BODY.PEEK[])")
            let parsed = FetchLiteralParser.parse(response.headerBytes)
            bodies.merge(parsed.bodies) { a, _ in a }
            if !parsed.endedCleanly {
                // A literal line looked like our tag, or a line was cut: unread bytes may sit on
                // this connection, so the next command gets a fresh one.
                connectionSuspect = true
            }
        }
        let wanted = Set(uids)
        return bodies.filter { wanted.contains($0.key) }
    }

    /// Moves by UID with MOVE, or with COPY + STORE \Deleted + UID EXPUNGE where only UIDPLUS
    /// exists. Never a plain EXPUNGE, which would also remove other clients' deleted mail.
    ///
    /// MOVE and UID EXPUNGE answer with one `* n EXPUNGE` line per message, so they go in sets
    /// of `linesPerCustomResponse`: a MOVE of 500 messages overran libcurl's response limit.
    public func move(uids: [UInt32], from mailbox: MailboxName, to target: MailboxName) throws(IMAPError) {
        guard !uids.isEmpty else { return }
        let caps = try capabilities()
        try reopenWritable(mailbox)
        for chunk in IMAPClient.uidSets(uids, limit: IMAPClient.linesPerCustomResponse) {
            if caps.contains("MOVE") {
                _ = try run(url(mailbox), "UID MOVE \(chunk) \(target.quotedForCommand)")
            } else if caps.contains("UIDPLUS") {
                _ = try run(url(mailbox), "UID COPY \(chunk) \(target.quotedForCommand)")
                _ = try run(url(mailbox), "UID STORE \(chunk) +FLAGS.SILENT (\\Deleted)")
                _ = try run(url(mailbox), "UID EXPUNGE \(chunk)")
            } else {
                throw IMAPError(kind: .unsupported, message: "the server offers neither MOVE nor UIDPLUS; use after_fetch = \"leave\"")
            }
        }
    }

    /// Adds flags by UID, for example `\Seen` for the `leave` after-fetch action.
    public func addFlags(_ flags: String, uids: [UInt32], in mailbox: MailboxName) throws(IMAPError) {
        try reopenWritable(mailbox)
        for chunk in IMAPClient.uidSets(uids) {
            _ = try run(url(mailbox), "UID STORE \(chunk) +FLAGS.SILENT (\(flags))")
        }
    }

    /// Undoes `fetch`'s EXAMINE before a command that changes the mailbox (a read-only mailbox
    /// refuses STORE, MOVE and EXPUNGE).
    private func reopenWritable(_ mailbox: MailboxName) throws(IMAPError) {
        guard examined == mailbox else { return }
        _ = try run(url(mailbox), "SELECT \(mailbox.quotedForCommand)")
        examined = nil
    }

    public func mailboxExists(_ mailbox: MailboxName) throws(IMAPError) -> Bool {
        let response = try run(url(nil), "LIST \"\" \(mailbox.quotedForCommand)")
        return IMAPResponse.listedNames(lines(of: response)).contains(mailbox.modifiedUTF7)
    }

    public func createMailboxIfMissing(_ mailbox: MailboxName) throws(IMAPError) {
        if try mailboxExists(mailbox) { return }
        _ = try run(url(nil), "CREATE \(mailbox.quotedForCommand)")
    }

    /// APPEND (libcurl marks it \Seen); for a copy of sent replies in the Sent folder.
    public func append(_ source: any UploadSource, to mailbox: MailboxName) throws(IMAPError) {
        var request = CurlRequest(url: url(mailbox), connection: connection)
        request.upload = source
        do { _ = try handle.perform(request) } catch { throw failure(error, command: "APPEND") }
    }

    /// How many untagged lines one custom command may return safely under libcurl 7.88's
    /// response-header limit (see `sizes`).
    public static let linesPerCustomResponse = 100

    /// UID sets of at most `limit` UIDs, compressed into ranges ("3:9,12"), so no command line
    /// grows long enough for servers (Microsoft 365) to refuse it.
    static func uidSets(_ uids: [UInt32], limit: Int = 500) -> [String] {
        let sorted = Array(Set(uids)).sorted()
        var sets: [String] = []
        var index = 0
        while index < sorted.count {
            let chunk = sorted[index..<min(index + limit, sorted.count)]
            var parts: [String] = []
            var start = chunk.first!
            var previous = start
            for uid in chunk.dropFirst() {
                if uid == previous + 1 { previous = uid; continue }
                parts.append(start == previous ? "\(start)" : "\(start):\(previous)")
                start = uid
                previous = uid
            }
            parts.append(start == previous ? "\(start)" : "\(start):\(previous)")
            sets.append(parts.joined(separator: ","))
            index += limit
        }
        return sets
    }
}
