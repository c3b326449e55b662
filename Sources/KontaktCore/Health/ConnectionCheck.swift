import Curl
import Foundation
import IMAP
import SMTP

/// `kontakt check`: proves, step by step, that both servers can be reached and used.
///
/// Each server is tried once; the step that failed is read from where libcurl stopped
/// (resolve, connect, TLS handshake, certificate, login) so the report names the one thing
/// to fix instead of a generic "connection failed".
public struct ConnectionCheck {
    public struct Step: Sendable, Codable {
        public var server: String
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    /// The order in which a connection gets further; a failure at one step means the earlier ones passed.
    static let stepOrder = ["dns", "tcp", "tls", "certificate", "auth", "mailbox"]

    let config: KontaktConfig

    public init(config: KontaktConfig) { self.config = config }

    public func run() -> [Step] {
        var steps = checkIMAP()
        if config.smtp != nil { steps += checkSMTP() }
        return steps
    }

    func checkIMAP() -> [Step] {
        let connection: CurlConnection
        do { connection = try config.imapConnection() } catch {
            return [Step(server: "imap", name: "config", ok: false, detail: error.description)]
        }
        var steps = [Step]()
        guard resolve(connection.host, server: "imap", into: &steps) else { return steps }
        do {
            let client = try IMAPClient(connection: connection)
            let caps = try client.capabilities()
            steps += passed(server: "imap", upTo: "auth", detail: "logged in as \(connection.username ?? "")")
            describeCertificate(client.serverCertificatePEM, in: &steps)
            for folder in config.imap.folders {
                let status = try client.status(MailboxName(folder))
                steps.append(Step(server: "imap", name: "mailbox", ok: true,
                                  detail: "\(folder): \(status.messages) messages, UIDVALIDITY \(status.uidValidity)"))
            }
            let wanted = config.imap.afterFetch == .move ? ["MOVE", "UIDPLUS"] : []
            if !wanted.isEmpty, !wanted.contains(where: caps.contains) {
                steps.append(Step(server: "imap", name: "capabilities", ok: false,
                                  detail: "the server offers neither MOVE nor UIDPLUS; set after_fetch = \"leave\""))
            }
        } catch {
            steps += failed(server: "imap", curl: error.curl, fallback: error.kind == .commandRefused ? "mailbox" : "auth",
                            detail: error.description)
        }
        return steps
    }

    func checkSMTP() -> [Step] {
        let connection: CurlConnection
        do { connection = try config.smtpConnection() } catch {
            return [Step(server: "smtp", name: "config", ok: false, detail: error.description)]
        }
        var steps = [Step]()
        guard resolve(connection.host, server: "smtp", into: &steps) else { return steps }
        do {
            let client = try SMTPClient(connection: connection)
            let certificate = try client.verify()
            steps += passed(server: "smtp", upTo: "auth", detail: connection.username.map { "logged in as \($0)" } ?? "no login configured")
            describeCertificate(certificate, in: &steps)
        } catch {
            let step: String
            switch error.kind {
            case .certificate: step = "certificate"
            case .tls: step = "tls"
            case .authentication: step = "auth"
            case .unreachable: step = "tcp"
            default: step = "auth"
            }
            steps += passed(server: "smtp", before: step)
            steps.append(Step(server: "smtp", name: step, ok: false, detail: error.description))
        }
        return steps
    }

    private func resolve(_ host: String, server: String, into steps: inout [Step]) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &result)
        defer { if let result { freeaddrinfo(result) } }
        if rc != 0 {
            steps.append(Step(server: server, name: "dns", ok: false, detail: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))"))
            return false
        }
        steps.append(Step(server: server, name: "dns", ok: true, detail: host))
        return true
    }

    /// Writes the server certificate's expiry into the certificate step that just passed.
    private func describeCertificate(_ pem: String?, in steps: inout [Step], now: Date = Date()) {
        guard let pem, let notAfter = CertificateValidity.notAfter(pem: pem),
              let index = steps.lastIndex(where: { $0.name == "certificate" }) else { return }
        let days = CertificateValidity.daysLeft(until: notAfter, now: now)
        let date = ISO8601DateFormatter.string(from: notAfter, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        var detail = "trusted; the server's certificate is valid until \(date) (\(days) days)"
        // Pointed out, but the check still passes: the connection works today.
        if days < CertificateValidity.warningDays { detail += " — it must be renewed soon: tell the server's administrator" }
        steps[index].detail = detail
    }

    private func passed(server: String, upTo last: String, detail: String) -> [Step] {
        passed(server: server, before: last) + [Step(server: server, name: last, ok: true, detail: detail)]
    }

    private func passed(server: String, before step: String) -> [Step] {
        let order = ["tcp", "tls", "certificate", "auth"]
        guard let index = order.firstIndex(of: step) else { return [] }
        return order[..<index].map { Step(server: server, name: $0, ok: true, detail: "") }
    }

    private func failed(server: String, curl: CurlError?, fallback: String, detail: String) -> [Step] {
        var step = fallback
        if let curl {
            switch curl.kind {
            case .unreachable: step = curl.code == 6 ? "dns" : "tcp"
            case .tls: step = "tls"
            case .certificate: step = "certificate"
            case .authentication: step = "auth"
            case .commandRefused, .notFound: step = "mailbox"
            default: break
            }
        }
        return passed(server: server, before: step) + [Step(server: server, name: step, ok: false, detail: detail)]
    }
}
