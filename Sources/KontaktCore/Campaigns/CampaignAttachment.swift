import Foundation
import MailMessage

/// A file every recipient of a campaign gets, as it was when the campaign was created.
///
/// The fingerprint (SHA-256 and size) is taken at `campaign create`, stored in the campaign's
/// `attachments` column, checked again by `campaign send` before anything is queued, and
/// carried into each message's spec so the sender checks it once more at the moment it reads
/// the file. A deck replaced half-way through a send therefore stops the send instead of
/// giving half the managers one version and half another.
public struct CampaignAttachment: Codable, Sendable, Equatable {
    /// Absolute path.
    public var path: String
    public var filename: String
    public var contentType: String
    public var sha256: String
    public var size: Int64

    /// Reads and fingerprints `path`; a problem when it is missing, a folder or unreadable.
    static func fingerprint(path given: String) -> Result<CampaignAttachment, CampaignProblem> {
        let path = URL(fileURLWithPath: given).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(CampaignProblem(file: given, line: nil, message: "the attachment does not exist"))
        }
        guard !isDirectory.boolValue else {
            return .failure(CampaignProblem(file: given, line: nil, message: "the attachment is a folder; attach the files in it one by one"))
        }
        do {
            let print = try OutgoingSpec.fingerprint(path: path)
            guard print.size > 0 else {
                return .failure(CampaignProblem(file: given, line: nil, message: "the attachment is empty (0 bytes)"))
            }
            let name = (path as NSString).lastPathComponent
            return .success(CampaignAttachment(path: path, filename: name, contentType: MediaType.essence(forFileNamed: name),
                                               sha256: print.sha256, size: print.size))
        } catch {
            return .failure(CampaignProblem(file: given, line: nil, message: "the attachment cannot be read (permissions?)"))
        }
    }

    /// Checks that the file is still the one fingerprinted at `campaign create`.
    func verify() -> CampaignProblem? {
        switch Self.fingerprint(path: path) {
        case .failure(let problem):
            return problem
        case .success(let now) where now.size != size || now.sha256 != sha256:
            return CampaignProblem(file: path, line: nil, message: "the attachment changed after `campaign create` (\(size) bytes then, \(now.size) now); put the original back, or create a new campaign with the new file")
        case .success:
            return nil
        }
    }

    static func encodeList(_ list: [CampaignAttachment]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeList(_ json: String) -> [CampaignAttachment] {
        (try? JSONDecoder().decode([CampaignAttachment].self, from: Data(json.utf8))) ?? []
    }
}
