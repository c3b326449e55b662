import Foundation

/// Where the repository and the built `kontakt` binary are.
enum Repo {
    static let root: String = {
        if let env = ProcessInfo.processInfo.environment["KONTAKT_REPO"] { return env }
        // Tests/EndToEndTests/Support/KontaktRun.swift → the repository root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }()

    static let binary: String = ProcessInfo.processInfo.environment["KONTAKT_BIN"] ?? root + "/.build/debug/kontakt"
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum ProcessRunner {
    /// Runs a program to completion, feeding `input` to its stdin.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    input: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let collected = LockedBox(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { collected.set(out.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = collected.get()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A private Kontakt installation for one test: its own folder, config, store and contact address.
struct KontaktInstance {
    let directory: String
    let configPath: String
    let address: String
    let stack: MailStack

    /// - Parameter extra: TOML appended verbatim (additional sections), `imapOverrides` lines inside [imap].
    init(stack: MailStack, address: String = MailStack.uniqueAddress(), imapPort: Int? = nil, acknowledge: Bool = false,
         imapOverrides: [String] = [], smtpOverrides: [String] = [], extra: String = "", caFile: String?? = .none, password: String? = nil) throws {
        self.stack = stack
        self.address = address
        directory = NSTemporaryDirectory() + "kontakt-e2e-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwordFile = directory + "/secret"
        try (password ?? stack.password).write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        configPath = directory + "/kontakt.toml"
        let ca: String? = caFile ?? stack.caFile
        let port = imapPort ?? stack.imapPort
        var toml = """
            [imap]
            url = "imap://127.0.0.1:\(port)/INBOX"
            username = "\(address)"
            password_file = "\(passwordFile)"
            \(imapOverrides.joined(separator: "\n"))

            [smtp]
            url = "smtp://127.0.0.1:\(stack.submissionPort)"
            username = "\(address)"
            password_file = "\(passwordFile)"
            \(smtpOverrides.joined(separator: "\n"))

            [identity]
            address = "\(address)"
            name = "Kommundirektören"
            signature = "Med vänliga hälsningar\\nKommundirektören"

            [store]
            path = "\(directory)/kontakt.sqlite"

            [routing]
            training_dir = "\(Repo.root)/etc/training"
            topics_file = "\(Repo.root)/etc/topics.toml"
            internal_domains = ["kommun.example.se"]

            [acknowledgement]
            enabled = \(acknowledge)

            [templates]
            dir = "\(Repo.root)/templates"

            """
        if let ca { toml += "\n[tls]\nca_file = \"\(ca)\"\n" }
        toml += extra
        try toml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var storePath: String { directory + "/kontakt.sqlite" }

    /// Runs `kontakt ARGS` with this instance's config.
    @discardableResult
    func run(_ arguments: String..., input: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try run(arguments, input: input, environment: environment)
    }

    func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.run(Repo.binary, ["--config", configPath] + arguments, environment: environment, input: input)
    }

    /// Runs `kontakt ARGS --json` and decodes its output.
    func json<T: Decodable>(_ type: T.Type, _ arguments: String...) throws -> T {
        let result = try run(arguments + ["--json"])
        guard result.status == 0 else { throw StackError("kontakt \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(result.stdout.utf8))
    }

    /// Puts a message in this instance's INBOX through Postfix and waits for it.
    func receive(_ raw: [UInt8], from sender: String) throws {
        let before = try stack.messageCount(user: address)
        try stack.deliver(raw, from: sender, to: [address])
        _ = try stack.waitForMessages(user: address, count: before + 1)
    }
}

/// A value a test shares with a helper thread.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { update { $0 = newValue } }
    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
    func update(_ change: (inout Value) -> Void) { lock.lock(); change(&value); lock.unlock() }
}
