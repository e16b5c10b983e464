import Foundation

/// One request. Header order is kept (tests and servers see what was set).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String = "GET", url: URL, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A complete answer (any status). Header names lowercased.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The hard limits of one exchange. Every caller gets them; only their values differ.
public struct HTTPLimits: Sendable, Equatable {
    /// 64 MiB: the largest decoded body read by default (ten years of daily bars are well under 2 MiB).
    public static let defaultMaxResponseBytes = 64 * 1024 * 1024

    /// Seconds from the start of the request to the last body byte (connect, headers and body together).
    /// A server that trickles one byte every few seconds cannot stretch it.
    public var deadline: Double
    /// The most body bytes read after content decoding (gzip is counted as decoded).
    public var maxResponseBytes: Int

    public init(deadline: Double = 30, maxResponseBytes: Int = HTTPLimits.defaultMaxResponseBytes) {
        self.deadline = max(0.001, deadline)
        self.maxResponseBytes = max(0, maxResponseBytes)
    }
}

/// Why an exchange produced no usable response. `description` reads as advice and names hosts only
/// (never a path, query or header, which may carry secrets).
public enum TransportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The deadline passed before the body was complete.
    case deadlineExceeded(host: String, seconds: Double, received: Int)
    /// The body (decoded) or its declared `Content-Length` is above the limit.
    case responseTooLarge(host: String, limit: Int, declared: Int?)
    /// The server redirected to another origin; the request was not repeated there.
    case crossHostRedirect(from: String, to: String)
    /// The connection closed before the body was complete (`expected` from `Content-Length`).
    case connectionClosed(host: String, received: Int, expected: Int?)
    /// Never reached the server: refused, unresolvable, no network.
    case cannotConnect(host: String, reason: String)
    case tlsFailed(host: String)
    case cancelled
    case other(String)

    /// True when the server may have acted on the request (matters for a POST that must not repeat).
    public var isAmbiguous: Bool {
        switch self {
        case .cannotConnect, .tlsFailed, .cancelled: return false
        default: return true
        }
    }

    public var description: String {
        switch self {
        case .deadlineExceeded(let host, let seconds, let received):
            let got = received > 0 ? " (\(received) body bytes arrived)" : ""
            return "\(host) did not finish answering within the \(Self.seconds(seconds)) deadline\(got); "
                + "the server is stalled or too slow"
        case .responseTooLarge(let host, let limit, let declared?):
            return "\(host) announced a \(declared)-byte response, above the \(Self.bytes(limit)) limit; "
                + "refused before reading it"
        case .responseTooLarge(let host, let limit, nil):
            return "the response from \(host) passed the \(Self.bytes(limit)) limit (decoded size); stopped reading it"
        case .crossHostRedirect(let from, let to):
            return "\(from) redirected to another host, \(to); refused to follow it "
                + "(requests and their credentials go only to the configured host)"
        case .connectionClosed(let host, let received, let expected?):
            return "connection to \(host) closed after \(received) of \(expected) bytes"
        case .connectionClosed(let host, let received, nil):
            return received > 0
                ? "connection to \(host) closed after \(received) bytes, before the response was complete"
                : "connection to \(host) closed before a complete response"
        case .cannotConnect(let host, let reason):
            return "could not connect to \(host) (\(reason))"
        case .tlsFailed(let host):
            return "TLS handshake with \(host) failed (check the URL and the system certificates)"
        case .cancelled:
            return "request cancelled"
        case .other(let m):
            return m
        }
    }

    static func seconds(_ t: Double) -> String { t == t.rounded() && t < 1e15 ? "\(Int(t)) s" : "\(t) s" }

    /// `64 MiB`, `512 KiB`, `100 bytes`.
    public static func bytes(_ n: Int) -> String {
        if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10 && n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}

/// `host` or `host:port` as shown in messages.
func displayHost(_ url: URL) -> String {
    let h = url.host ?? "the server"
    return url.port.map { "\(h):\($0)" } ?? h
}

/// Scheme, host and effective port: two URLs with the same origin may share credentials.
struct Origin: Equatable {
    var scheme: String
    var host: String
    var port: Int

    init(_ url: URL) {
        scheme = (url.scheme ?? "").lowercased()
        host = (url.host ?? "").lowercased()
        port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
    }
}
