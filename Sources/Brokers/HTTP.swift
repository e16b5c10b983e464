import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Waits between retries. Inject a no-op in tests so no test waits on the clock.
public protocol RetrySleeper: Sendable {
    func sleep(seconds: Double) async
}

/// Sleeps with `Task.sleep` (cancellation ends the wait early).
public struct TaskSleeper: RetrySleeper {
    public init() {}
    public func sleep(seconds: Double) async {
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }
}

/// Exponential backoff: attempt n (1-based) waits `base × 2^(n−1)` seconds, capped at `maxDelay`.
public struct RetryPolicy: Sendable, Equatable {
    /// Total tries including the first.
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 8) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public func delay(afterAttempt n: Int) -> Double { min(maxDelay, baseDelay * pow(2, Double(n - 1))) }
}

struct HTTPRequest: Sendable {
    var method: String
    var url: URL
    var headers: [(String, String)]
    var body: Data?
}

struct HTTPResponse: Sendable {
    var status: Int
    var body: Data
}

/// Why a request got no HTTP response.
enum TransportFailure: Error, Sendable {
    /// No answer within the timeout: the server may have acted on the request.
    case timedOut
    /// The connection dropped after sending: the server may have acted on the request.
    case connectionLost(String)
    /// Never reached the server: it cannot have acted on the request.
    case cannotConnect(String)
    case other(String)

    /// True when the server may have processed the request.
    var isAmbiguous: Bool {
        switch self {
        case .timedOut, .connectionLost, .other: return true
        case .cannotConnect: return false
        }
    }

    var message: String {
        switch self {
        case .timedOut: return "timed out"
        case .connectionLost(let m), .cannotConnect(let m), .other(let m): return m
        }
    }
}

/// A thin URLSession wrapper: one ephemeral session, a per-request timeout, status codes returned as values.
struct HTTPTransport: Sendable {
    let session: URLSession
    let timeout: Double

    init(timeout: Double) {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.timeoutIntervalForResource = timeout * 2
        config.urlCache = nil
        self.session = URLSession(configuration: config)
        self.timeout = timeout
    }

    func send(_ r: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        var req = URLRequest(url: r.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        req.httpMethod = r.method
        for (k, v) in r.headers { req.setValue(v, forHTTPHeaderField: k) }
        req.httpBody = r.body
        do {
            let (data, response) = try await session.data(for: req)
            guard let http = response as? HTTPURLResponse else { throw TransportFailure.other("not an HTTP response") }
            return HTTPResponse(status: http.statusCode, body: data)
        } catch let e as TransportFailure {
            throw e
        } catch let e as URLError {
            switch e.code {
            case .timedOut: throw .timedOut
            case .networkConnectionLost, .badServerResponse, .zeroByteResource:
                throw .connectionLost("connection lost (\(e.code.rawValue))")
            case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet:
                throw .cannotConnect("cannot connect to \(r.url.host ?? "?") (\(e.code.rawValue))")
            default: throw .other("URL error \(e.code.rawValue)")
            }
        } catch {
            throw .other("\(error)")
        }
    }
}
