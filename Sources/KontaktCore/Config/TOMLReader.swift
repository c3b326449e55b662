import Foundation
import TOMLKit

/// Reads typed values out of a parsed TOML file and names `[section] key` and the file in
/// every error, so a mistake in kontakt.toml costs the reader one glance. Unknown keys are
/// errors too: a misspelt `pasword_file` must not silently fall back to a default.
struct TOMLReader {
    let file: String
    let root: TOMLTable
    private(set) var known: [String: Set<String>] = [:]

    init(file: String, text: String) throws(ConfigError) {
        self.file = file
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError("\(file):\(error.source.begin.line): not valid TOML: \(error.description)")
        } catch {
            throw ConfigError("\(file): not valid TOML: \(error)")
        }
    }

    private mutating func value(_ section: String, _ key: String) throws(ConfigError) -> TOMLValueConvertible? {
        known[section, default: []].insert(key)
        guard let sectionValue = root[section] else { return nil }
        guard let table = sectionValue.table else { throw ConfigError("\(file): [\(section)] must be a table") }
        return table[key]
    }

    mutating func string(_ section: String, _ key: String) throws(ConfigError) -> String? {
        guard let v = try value(section, key) else { return nil }
        guard let s = v.string else { throw ConfigError("\(file): [\(section)] \(key) must be a string") }
        return s
    }

    mutating func requiredString(_ section: String, _ key: String) throws(ConfigError) -> String {
        guard let s = try string(section, key), !s.isEmpty else {
            throw ConfigError("\(file): [\(section)] \(key) is missing")
        }
        return s
    }

    mutating func int(_ section: String, _ key: String) throws(ConfigError) -> Int? {
        guard let v = try value(section, key) else { return nil }
        guard let i = v.int else { throw ConfigError("\(file): [\(section)] \(key) must be a whole number") }
        return i
    }

    mutating func double(_ section: String, _ key: String) throws(ConfigError) -> Double? {
        guard let v = try value(section, key) else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        throw ConfigError("\(file): [\(section)] \(key) must be a number")
    }

    mutating func bool(_ section: String, _ key: String) throws(ConfigError) -> Bool? {
        guard let v = try value(section, key) else { return nil }
        guard let b = v.bool else { throw ConfigError("\(file): [\(section)] \(key) must be true or false") }
        return b
    }

    mutating func strings(_ section: String, _ key: String) throws(ConfigError) -> [String]? {
        guard let v = try value(section, key) else { return nil }
        guard let array = v.array else { throw ConfigError("\(file): [\(section)] \(key) must be a list of strings") }
        var out: [String] = []
        for element in array {
            guard let s = element.string else { throw ConfigError("\(file): [\(section)] \(key) must be a list of strings") }
            out.append(s)
        }
        return out
    }

    func hasSection(_ section: String) -> Bool { root[section] != nil }

    /// Fails on any section or key that no reader asked for.
    func rejectUnknownKeys() throws(ConfigError) {
        for section in root.keys.sorted() {
            guard let keys = known[section] else {
                throw ConfigError("\(file): unknown section [\(section)]")
            }
            guard let table = root[section]?.table else { continue }
            for key in table.keys.sorted() where !keys.contains(key) {
                throw ConfigError("\(file): unknown key \(key) in [\(section)]")
            }
        }
    }
}
