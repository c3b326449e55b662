import Curl
import Foundation

/// Reads passwords and tokens at the moment a connection is made.
///
/// Secrets come from a file (mode 0600 expected) or the environment, never from the command
/// line, where any local user could read them in `ps`. A bearer token may come from a command
/// (for OAuth 2 helpers that refresh tokens), whose output is never logged.
public enum Secrets {
    /// Warnings about secret files that others can read; the CLI prints them to stderr.
    public static func warnings(for paths: [String?]) -> [String] {
        paths.compactMap { path in
            guard let path, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue else { return nil }
            return mode & 0o077 != 0 ? "warning: \(path) is readable by other users; chmod 600 it" : nil
        }
    }

    static func readFile(_ path: String, what: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read the \(what) file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        // A trailing newline from `echo secret > file` is not part of the secret.
        let secret = text.hasSuffix("\r\n") ? String(text.dropLast(2)) : text.hasSuffix("\n") ? String(text.dropLast()) : text
        guard !secret.isEmpty else { throw ConfigError("the \(what) file \(path) is empty") }
        return secret
    }

    /// How long a token command may take: helpers that refresh an OAuth token over the network
    /// take a second or two; one that hangs must not hang the poll.
    static let commandTimeout: TimeInterval = 60

    static func runCommand(_ command: String, what: String) throws(ConfigError) -> String {
        let outcome: ShellCommand.Outcome
        do { outcome = try ShellCommand.run(command, captureOutput: true, timeout: commandTimeout) } catch {
            throw ConfigError("cannot run the \(what) command: \(error.localizedDescription)")
        }
        guard !outcome.timedOut else { throw ConfigError("the \(what) command did not finish in \(Int(commandTimeout)) s") }
        guard outcome.status == 0 else {
            throw ConfigError("the \(what) command exited with status \(outcome.status)")
        }
        let token = String(decoding: outcome.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ConfigError("the \(what) command printed nothing") }
        return token
    }

    static func credential(passwordFile: String?, tokenFile: String?, tokenCommand: String?, environmentKey: String,
                           section: String, environment: [String: String]) throws(ConfigError) -> (password: String?, token: String?) {
        if let tokenFile { return (nil, try readFile(tokenFile, what: "[\(section)] bearer token")) }
        if let tokenCommand { return (nil, try runCommand(tokenCommand, what: "[\(section)] bearer token")) }
        if let passwordFile { return (try readFile(passwordFile, what: "[\(section)] password"), nil) }
        if let env = environment[environmentKey], !env.isEmpty { return (env, nil) }
        throw ConfigError("no password for [\(section)]: set password_file in the config or \(environmentKey) in the environment")
    }
}

extension KontaktConfig {
    /// The IMAP connection, secrets read now.
    public func imapConnection(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> CurlConnection {
        let secret = try Secrets.credential(passwordFile: imap.passwordFile, tokenFile: imap.bearerTokenFile,
                                            tokenCommand: imap.bearerTokenCommand, environmentKey: "KONTAKT_IMAP_PASSWORD",
                                            section: "imap", environment: environment)
        var c = CurlConnection(url: imap.url, username: imap.username, password: secret.password)
        c.bearerToken = secret.token
        applyTLS(&c)
        return c
    }

    /// The SMTP connection, secrets read now.
    public func smtpConnection(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> CurlConnection {
        guard let smtp else { throw ConfigError("\(file): [smtp] url is missing — Kontakt cannot send without it") }
        var c = CurlConnection(url: smtp.url, username: smtp.username)
        if smtp.username != nil {
            let secret = try Secrets.credential(passwordFile: smtp.passwordFile, tokenFile: smtp.bearerTokenFile,
                                                tokenCommand: smtp.bearerTokenCommand, environmentKey: "KONTAKT_SMTP_PASSWORD",
                                                section: "smtp", environment: environment)
            c.password = secret.password
            c.bearerToken = secret.token
        }
        applyTLS(&c)
        return c
    }

    private func applyTLS(_ c: inout CurlConnection) {
        c.caFile = tls.caFile
        c.verifyCertificates = tls.verify
        // STARTTLS is required unless the server is on this machine.
        c.requireTLS = !c.isLoopback
    }
}
