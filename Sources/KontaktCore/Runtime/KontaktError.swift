/// How a command ended badly, mapped onto the exit codes cron and scripts see.
///
/// - `temporary` and `busy` exit 75 (EX_TEMPFAIL): nothing is wrong that time will not fix
///   (server unreachable, another run holds the lock); cron may simply run again.
/// - everything else exits 1 with one line saying what to do.
public enum KontaktError: Error, Sendable, CustomStringConvertible {
    case temporary(String)
    case busy(String)
    case failed(String)
    case notFound(String)
    case invalid(String)

    public var exitCode: Int32 {
        switch self {
        case .temporary, .busy: return 75
        case .notFound, .failed, .invalid: return 1
        }
    }

    /// A topic id that is none of `choices`, with the choices listed: the one wording of `route`,
    /// `reply --topic` and `search topic:`.
    public static func unknownTopic(_ given: String, choices: [String]) -> KontaktError {
        .invalid("unknown topic \"\(given)\" — choose one of: \(choices.joined(separator: ", "))")
    }

    public var description: String {
        switch self {
        case .temporary(let s), .busy(let s), .failed(let s), .notFound(let s), .invalid(let s): return s
        }
    }
}
