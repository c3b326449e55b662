import Foundation
import Curl

/// What the server answered to one RCPT TO.
public struct SMTPRecipientResult: Sendable, Hashable, Codable {
    public var address: String
    public var code: Int
    public var reply: String
    public var accepted: Bool { (200..<300).contains(code) }
}

/// The outcome of one accepted submission.
public struct SMTPSendResult: Sendable {
    /// Per-recipient replies, in envelope order.
    public var recipients: [SMTPRecipientResult]
    /// The reply to the end of DATA, e.g. `250 2.0.0 Ok: queued as 4Xyz`.
    public var finalReply: String
    public var refused: [SMTPRecipientResult] { recipients.filter { !$0.accepted } }
}

/// A small SMTP submission client on libcurl: one connection reused for a whole batch.
///
/// libcurl reports RCPT replies only through the protocol transcript (the debug callback),
/// so every send records one and reads each recipient's reply from it; the transcript
/// redacts anything we sent that is not an envelope command, so no credential is kept.
public final class SMTPClient: @unchecked Sendable {
    public let connection: CurlConnection
    private let handle: CurlHandle

    public init(connection: CurlConnection) throws(SMTPError) {
        self.connection = connection
        do { handle = try CurlHandle() } catch { throw SMTPError(error, transcript: []) }
    }

    /// Connects, negotiates TLS, logs in and sends NOOP: proof that sending would work.
    /// Logs in and says NOOP; returns the server's certificate (PEM) when the handshake showed one.
    @discardableResult
    public func verify() throws(SMTPError) -> String? {
        var request = CurlRequest(url: connection.url, connection: connection)
        request.customRequest = "NOOP"
        request.recordTranscript = true
        request.collectServerCertificate = true
        do { return try handle.perform(request).serverCertificatePEM } catch {
            throw failure(error, transcript: [])
        }
    }

    private func failure(_ error: CurlError, transcript: [TranscriptLine]) -> SMTPError {
        var failure = SMTPError(error, transcript: transcript)
        failure.usedBearerToken = connection.bearerToken != nil
        return failure
    }

    /// Submits one message. With several recipients, some may be refused while the rest are
    /// accepted: the result says who. Throws when nobody accepted it or the server refused it.
    public func send(_ envelope: SMTPEnvelope, message: any UploadSource) throws(SMTPError) -> SMTPSendResult {
        var request = CurlRequest(url: connection.url, connection: connection)
        request.mailFrom = envelope.sender.isEmpty ? "" : "<\(envelope.sender)>"
        request.mailRecipients = envelope.recipients.map { "<\($0)>" }
        request.allowFailedRecipients = true
        request.upload = message
        request.recordTranscript = true
        let response: CurlResponse
        do {
            response = try handle.perform(request)
        } catch {
            throw failure(error, transcript: error.transcript)
        }
        let recipients = SMTPTranscript.recipientReplies(response.transcript)
        let final = SMTPTranscript.lastReply(response.transcript) ?? ""
        if !recipients.isEmpty, recipients.allSatisfy({ !$0.accepted }) {
            var error = SMTPError(kind: SMTPError.kind(forCode: recipients.last!.code), message: "every recipient was refused",
                                  replyCode: recipients.last!.code)
            error.recipients = recipients
            throw error
        }
        return SMTPSendResult(recipients: recipients, finalReply: final)
    }
}

extension SMTPError {
    static func kind(forCode code: Int) -> Kind {
        (400..<500).contains(code) ? .temporaryRejection : .permanentRejection
    }

    init(_ error: CurlError, transcript: [TranscriptLine]) {
        var code: Int?
        let replies = SMTPTranscript.recipientReplies(transcript)
        if !replies.isEmpty, replies.allSatisfy({ !$0.accepted }) {
            // Every RCPT refused: libcurl 7.88 then fails with "RCPT failed" (curl 55) and QUITs,
            // so the last reply is "221 Bye"; the recipients' own answer is what counts.
            code = replies.last!.code
        } else if let line = SMTPTranscript.lastReply(transcript) ?? error.serverLine, let n = Int(line.prefix(3)),
           (200..<600).contains(n) {
            code = n
        }
        defer { recipients = SMTPTranscript.recipientReplies(transcript) }
        switch error.kind {
        case .certificate: self.init(kind: .certificate, message: "SMTP: \(error)")
        case .authentication: self.init(kind: .authentication, message: "SMTP: \(error)", replyCode: code)
        case .tls: self.init(kind: .tls, message: "SMTP: \(error)")
        default:
            if let code, code >= 400 {
                self.init(kind: SMTPError.kind(forCode: code), message: "SMTP: \(error)", replyCode: code)
            } else if error.code == 67 {
                self.init(kind: .authentication, message: "SMTP: \(error)")
            } else if error.kind == .unreachable || error.kind == .upload {
                self.init(kind: .unreachable, message: "SMTP: \(error)")
            } else {
                self.init(kind: .other, message: "SMTP: \(error)", replyCode: code)
            }
        }
    }
}

/// Reads per-recipient replies out of a redacted protocol transcript.
enum SMTPTranscript {
    static func recipientReplies(_ transcript: [TranscriptLine]) -> [SMTPRecipientResult] {
        var results: [SMTPRecipientResult] = []
        var pending: String?
        for line in transcript {
            switch line {
            case .sent(let command):
                if command.uppercased().hasPrefix("RCPT TO:") {
                    var address = String(command.dropFirst(8)).trimmingCharacters(in: .whitespaces)
                    if let space = address.firstIndex(of: " ") { address = String(address[..<space]) }
                    pending = address.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
                }
            case .received(let reply):
                guard let address = pending, let code = Int(reply.prefix(3)) else { continue }
                let isLast = reply.count < 4 || reply[reply.index(reply.startIndex, offsetBy: 3)] != "-"
                if isLast {
                    results.append(SMTPRecipientResult(address: address, code: code, reply: reply))
                    pending = nil
                }
            }
        }
        return results
    }

    static func lastReply(_ transcript: [TranscriptLine]) -> String? {
        for line in transcript.reversed() {
            if case .received(let reply) = line, Int(reply.prefix(3)) != nil { return reply }
        }
        return nil
    }
}
