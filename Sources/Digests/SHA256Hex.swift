import Crypto

/// Lowercase hex SHA-256: the one place the project turns a digest into text (result-cache keys, bar
/// fingerprints, source-file hashes, client order ids). Its own target so that every module that hashes —
/// RunStore, DataSources, Brokers, Pipeline — can share it without depending on one another.
public enum SHA256Hex {
    /// SHA-256 of `bytes`, as 64 lowercase hex digits.
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        var h = SHA256()
        h.update(data: Array(bytes))
        return hex(h.finalize())
    }

    /// SHA-256 over bytes that arrive in pieces (a file read a chunk at a time).
    public struct Hasher {
        private var state = SHA256()
        public init() {}
        public mutating func update(_ bytes: UnsafeRawBufferPointer) { state.update(bufferPointer: bytes) }
        /// The 64 lowercase hex digits of everything given so far.
        public func finalize() -> String { hex(state.finalize()) }
    }

    /// The 32 bytes of the SHA-256 of `bytes` (report.html's Content-Security-Policy hash of its script).
    public static func digest(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var h = SHA256()
        h.update(data: Array(bytes))
        return Array(h.finalize())
    }

    /// `digest` as lowercase hex, two digits a byte.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
