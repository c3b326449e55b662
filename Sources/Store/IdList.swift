/// Id lists for SQL `IN (...)` clauses.
///
/// Ids are integers the store produced itself, so they are written into the statement rather
/// than bound one parameter each; long lists go in chunks, because SQLite limits a statement's
/// length and its number of terms.
extension Collection where Element == Int64 {
    /// `1,2,3`
    var sqlList: String { map(String.init).joined(separator: ",") }
}

extension Array {
    /// The elements in consecutive pieces of at most `size`.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
