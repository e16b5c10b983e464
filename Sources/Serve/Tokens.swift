import Digests
import Foundation
import Yams

/// The bearer tokens a server accepts: a YAML list of `{user: NAME, sha256: HEX}` where HEX is the SHA-256
/// of the token (`stratopt serve --hash-token` prints it). The file never holds a token itself.
public struct TokenFile: Sendable {
    /// User name by token hash.
    public let users: [String: String]

    /// At most this many bytes and entries are read from a tokens file.
    public static let maxBytes = 1 << 20
    public static let maxEntries = 10_000

    public init(users: [String: String]) { self.users = users }

    /// Reads and checks a tokens file; the error names the file and the entry at fault.
    public static func load(path: String) throws(ServeSetupError) -> TokenFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServeSetupError("\(path): cannot read the tokens file")
        }
        guard data.count <= maxBytes else {
            throw ServeSetupError("\(path): the tokens file is larger than \(maxBytes) bytes")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses the text of a tokens file.
    public static func parse(_ text: String, path: String) throws(ServeSetupError) -> TokenFile {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw ServeSetupError("\(path): not YAML: \(error)")
        }
        guard let list = root as? [Any] else {
            throw ServeSetupError("\(path): expected a list of {user: NAME, sha256: HEX} entries")
        }
        guard list.count <= maxEntries else { throw ServeSetupError("\(path): more than \(maxEntries) entries") }
        var users: [String: String] = [:]
        for (i, item) in list.enumerated() {
            guard let entry = item as? [String: Any], let user = entry["user"] as? String,
                let hash = (entry["sha256"] as? String)?.lowercased()
            else {
                throw ServeSetupError("\(path): entry \(i + 1): expected {user: NAME, sha256: HEX}")
            }
            guard isUserName(user) else {
                throw ServeSetupError(
                    "\(path): entry \(i + 1): user \"\(user.prefix(80))\" must be 1–64 letters, digits, '.', '_' or '-'"
                )
            }
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw ServeSetupError(
                    "\(path): entry \(i + 1) (\(user)): sha256 must be 64 hex digits; print one with `stratopt serve --hash-token`"
                )
            }
            if let other = users[hash], other != user {
                throw ServeSetupError("\(path): entry \(i + 1): the same token hash is listed for \(other) and \(user)")
            }
            users[hash] = user
        }
        guard !users.isEmpty else { throw ServeSetupError("\(path): no tokens listed; nobody could sign in") }
        return TokenFile(users: users)
    }

    /// The user a bearer token belongs to, or nil.
    public func user(forToken token: String) -> String? {
        guard !token.isEmpty, token.utf8.count <= 4096 else { return nil }
        return users[Self.hash(token)]
    }

    /// The SHA-256 (lowercase hex) a tokens file lists for `token`.
    public static func hash(_ token: String) -> String { SHA256Hex.of(Data(token.utf8)) }

    static func isUserName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count)
            && s.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                    || "._-".unicodeScalars.contains($0)
            }
    }
}

/// The server cannot start: a worded reason.
public struct ServeSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
