import Foundation
import Testing
@testable import KontaktCore

@Suite struct KontaktConfigTests {
    @Test func defaultsAndResolvedPaths() throws {
        let config = try Fixtures.config()
        #expect(config.imap.folders == ["INBOX"])
        #expect(config.imap.afterFetch == .move)
        #expect(config.imap.processedFolder == "Kontakt/Behandlat")
        #expect(config.imap.maxMessageSize == 25 * 1024 * 1024)
        #expect(config.identity.messageIDDomain == "kommun.example.se")
        #expect(config.storePath == Fixtures.repo + "/kontakt.sqlite")
        #expect(config.tls.verify)
    }

    @Test func fetchConnectionsDefaultToTwoAndStayWithinOneToFour() throws {
        #expect(try Fixtures.config().imap.fetchConnections == 2)
        func parsed(_ n: Int) throws -> Int {
            try KontaktConfig.parse("""
                [imap]
                url = "imaps://h/INBOX"
                username = "u"
                fetch_connections = \(n)
                [identity]
                address = "a@b.se"
                """, file: "k.toml").imap.fetchConnections
        }
        #expect(try parsed(1) == 1)
        #expect(try parsed(3) == 3)
        #expect(try parsed(0) == 1)
        #expect(try parsed(50) == 4)
    }

    /// After-fetch actions come at the end of a folder unless `batch_size` asks for rounds.
    @Test func batchSizeDefaultsToTheEndAndStaysWithinOneToTenThousand() throws {
        #expect(try Fixtures.config().imap.batchSize == 10_000)
        func parsed(_ n: Int) throws -> Int {
            try KontaktConfig.parse("[imap]\nurl = \"imaps://h/INBOX\"\nusername = \"u\"\nbatch_size = \(n)\n[identity]\naddress = \"a@b.se\"\n",
                                    file: "k.toml").imap.batchSize
        }
        #expect(try parsed(100) == 100)
        #expect(try parsed(0) == 1)
        #expect(try parsed(1_000_000) == 10_000)
    }

    /// A poll's budget is off unless asked for; a budget of nothing is a mistake, not "no limit".
    @Test func pollBudgetIsOffByDefaultAndRefusesNothing() throws {
        #expect(try Fixtures.config().imap.maxMessagesPerPoll == nil)
        #expect(try Fixtures.config().imap.maxSecondsPerPoll == nil)
        func parsed(_ lines: String) throws -> KontaktConfig.IMAP {
            try KontaktConfig.parse("[imap]\nurl = \"imaps://h/INBOX\"\nusername = \"u\"\n\(lines)\n[identity]\naddress = \"a@b.se\"\n",
                                    file: "k.toml").imap
        }
        let imap = try parsed("max_messages_per_poll = 500\nmax_seconds_per_poll = 240")
        #expect(imap.maxMessagesPerPoll == 500 && imap.maxSecondsPerPoll == 240)
        #expect(try parsed("max_seconds_per_poll = 0.5").maxSecondsPerPoll == 0.5)
        let nothing = #expect(throws: ConfigError.self) { try parsed("max_messages_per_poll = 0") }
        #expect(nothing?.description == "k.toml: [imap] max_messages_per_poll must be positive (leave it out for no limit)")
        #expect(throws: ConfigError.self) { try parsed("max_seconds_per_poll = -1") }
    }

    @Test func aMissingKeyIsNamed() {
        #expect(throws: ConfigError.self) { try KontaktConfig.parse("[imap]\nurl = \"imaps://h/INBOX\"\n", file: "k.toml") }
        do {
            _ = try KontaktConfig.parse("[imap]\nurl = \"imaps://h/INBOX\"\n", file: "k.toml")
        } catch {
            #expect(error.description == "k.toml: [imap] username is missing")
        }
    }

    @Test func aMisspeltKeyIsRefusedNotIgnored() {
        do {
            _ = try Fixtures.config("[smtp]\nurl = \"smtps://s.example.se\"\npasword_file = \"x\"")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("unknown key pasword_file in [smtp]"))
        }
    }

    @Test func plainTextSchemesAreRefused() {
        #expect(throws: ConfigError.self) {
            try KontaktConfig.parse("[imap]\nurl = \"http://h/INBOX\"\nusername = \"u\"\n[identity]\naddress = \"a@b.se\"", file: "k.toml")
        }
    }

    @Test func wrongTypesSayWhatTheyShouldBe() {
        do {
            _ = try Fixtures.config("[retention]\ndays = \"ett år\"")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("[retention] days must be a whole number"))
        }
    }

    @Test func passwordComesFromFileOrEnvironmentNeverElsewhere() throws {
        let dir = NSTemporaryDirectory() + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "hemligt\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        var config = try Fixtures.config()
        #expect(throws: ConfigError.self) { try config.imapConnection(environment: [:]) }
        #expect(try config.imapConnection(environment: ["KONTAKT_IMAP_PASSWORD": "env"]).password == "env")
        config.imap.passwordFile = dir + "/pw"
        let connection = try config.imapConnection(environment: [:])
        #expect(connection.password == "hemligt", "the trailing newline is not part of the secret")
        #expect(!connection.description.contains("hemligt"))
        #expect(connection.requireTLS, "STARTTLS is required off loopback")
    }
}
