import ArgumentParser
import Foundation
import KontaktCore
import Logging
import Store

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Config file (default: $KONTAKT_CONFIG, else ./kontakt.toml).", valueName: "path"))
    var config: String?

    @Flag(name: .shortAndLong, help: "Say what is happening (counts and ids; never mail contents).")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print errors only.")
    var quiet = false

    var logLevel: Logger.Level { verbose ? .info : quiet ? .error : .warning }

    /// Loads the config and sets up logging; one clear line and exit 1 when the config is wrong.
    func load() throws -> KontaktConfig {
        SyslogStyleLogHandler.bootstrap(level: logLevel)
        let path = KontaktConfig.locate(explicit: config)
        do {
            return try KontaktConfig.load(path: path)
        } catch {
            throw Failure(error.description, code: 1)
        }
    }

    func openStore(_ config: KontaktConfig) throws -> Store {
        do { return try Store(path: config.storePath) } catch { throw Failure(error.description, code: 1) }
    }
}

/// A command's failure, printed as one line on stderr with its exit code.
struct Failure: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }
    init(_ error: KontaktError) {
        self.init(error.description, code: error.exitCode)
    }
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning every error into one line on stderr and the right exit code.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as Failure {
            FileHandle.standardError.write(Data("kontakt: \(failure.message)\n".utf8))
            throw ExitCode(failure.code)
        } catch let error as KontaktError {
            FileHandle.standardError.write(Data("kontakt: \(error.description)\n".utf8))
            throw ExitCode(error.exitCode)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("kontakt: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
