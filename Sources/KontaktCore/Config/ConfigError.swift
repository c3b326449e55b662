/// A configuration problem, phrased as one line that names the file and key to fix.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
