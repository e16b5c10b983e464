import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which webhook addresses are refused: link-local and cloud metadata endpoints. A spec that can name
/// a webhook URL could otherwise make the machine POST to its own instance-metadata service
/// (169.254.169.254, fd00:ec2::254), which answers with credentials on some clouds.
enum WebhookAddress {
    /// Why `url` must not receive webhooks, or nil. Literal addresses are checked directly; names are
    /// resolved and every address they resolve to is checked.
    static func refusal(for url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return "only http and https webhook URLs are supported"
        }
        guard var host = url.host, !host.isEmpty else { return "the URL has no host" }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        for address in addresses(of: host) {
            if let why = refusal(forAddress: address) {
                return "\(host) is \(why) (169.254.0.0/16, fe80::/10 and fd00:ec2::254 are refused; "
                    + "add allow_link_local: true to this notify entry to send there on purpose)"
            }
        }
        return nil
    }

    /// `a link-local address` / `a cloud metadata address`, or nil.
    static func refusal(forAddress bytes: [UInt8]) -> String? {
        if bytes.count == 4 {
            return bytes[0] == 169 && bytes[1] == 254 ? "a link-local or metadata address" : nil
        }
        guard bytes.count == 16 else { return nil }
        // fd00:ec2::254 (AWS instance metadata over IPv6).
        let metadata: [UInt8] = [0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54]
        if bytes == metadata { return "a cloud metadata address" }
        if bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80 { return "a link-local address" }
        // IPv4-mapped (::ffff:a.b.c.d): check the embedded IPv4 address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return refusal(forAddress: Array(bytes[12..<16]))
        }
        return nil
    }

    /// Raw addresses (4 or 16 bytes) of `host`; empty when it does not resolve (the POST then fails on its own).
    static func addresses(of host: String) -> [[UInt8]] {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return [withUnsafeBytes(of: &v4) { Array($0) }] }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return [withUnsafeBytes(of: &v6) { Array($0) }] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            if ai.pointee.ai_family == AF_INET, let sa = ai.pointee.ai_addr {
                sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var a = sin.pointee.sin_addr
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                }
            } else if ai.pointee.ai_family == AF_INET6, let sa = ai.pointee.ai_addr {
                sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                    var a = sin.pointee.sin6_addr
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                }
            }
            p = ai.pointee.ai_next
        }
        return out
    }
}
