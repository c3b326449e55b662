import Foundation
import Logging

/// One line per event on stderr, in the shape syslog and journald expect:
/// `kontakt[PID]: <level>: message key=value`. No timestamp — the journal adds its own.
///
/// By default only warnings and errors print, so cron stays silent on success. Metadata
/// values must never be message bodies or addresses (GDPR): the code logs counts, ids and
/// UIDs only.
public struct SyslogStyleLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let tail = all.isEmpty ? "" : " " + all.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "kontakt[\(getpid())]: \(event.level): \(event.message)\(tail)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Sets up swift-log once for the process.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in SyslogStyleLogHandler(label: label, level: level) }
    }
}
