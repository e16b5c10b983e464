import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The one place an HTTP exchange happens. Every request through it:
/// - never follows a redirect to another origin (scheme, host, port): credentials set in headers would
///   otherwise go to the redirect target; same-origin redirects are followed;
/// - reads at most `limits.maxResponseBytes` of decoded body, refusing early on a larger `Content-Length`
///   (a gzip bomb is stopped by the decoded count, not by its small wire size);
/// - ends at `limits.deadline` seconds after it started, however slowly the server trickles bytes
///   (URLSession's own timeout is an idle timeout, which a trickle resets).
///
/// Statuses come back as values; only transport problems throw.
public final class HTTPSessionTransport: Sendable {
    public let limits: HTTPLimits
    private let session: URLSession
    private let delegate: TransportDelegate

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = limits.deadline
        config.timeoutIntervalForResource = limits.deadline
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieAcceptPolicy = .never
        config.httpShouldSetCookies = false
        let d = TransportDelegate()
        self.delegate = d
        self.session = URLSession(configuration: config, delegate: d, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    public func send(_ r: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        var req = URLRequest(url: r.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: limits.deadline)
        req.httpMethod = r.method
        for (k, v) in r.headers { req.setValue(v, forHTTPHeaderField: k) }
        req.httpBody = r.body
        let state = Exchange(url: r.url, limits: limits)
        let task = session.dataTask(with: req)
        delegate.register(task, state)
        defer { delegate.unregister(task) }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponse, any Error>) in
                    state.attach(c)
                    task.resume()
                    let deadline = limits.deadline
                    DispatchQueue.global().asyncAfter(deadline: .now() + deadline) { [weak task] in
                        if state.finish(.failure(state.deadlineFailure())) { task?.cancel() }
                    }
                }
            } onCancel: {
                if state.finish(.failure(.cancelled)) { task.cancel() }
            }
        } catch let e as TransportFailure {
            throw e
        } catch {
            throw .other("\(error)")
        }
    }
}

/// The state of one exchange. Finishes exactly once, whichever comes first: completion, deadline,
/// size limit, refused redirect or cancellation.
final class Exchange: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    private var result: Result<HTTPResponse, TransportFailure>?
    private var delivered = false
    private(set) var response: HTTPURLResponse?
    private var body = Data()
    let url: URL
    let origin: Origin
    let host: String
    let limits: HTTPLimits

    init(url: URL, limits: HTTPLimits) {
        self.url = url
        self.origin = Origin(url)
        self.host = displayHost(url)
        self.limits = limits
    }

    var received: Int { lock.withLock { body.count } }

    func deadlineFailure() -> TransportFailure {
        .deadlineExceeded(host: host, seconds: limits.deadline, received: received)
    }

    func attach(_ c: CheckedContinuation<HTTPResponse, any Error>) {
        lock.lock()
        continuation = c
        lock.unlock()
        deliver()
    }

    /// Records the outcome if none is recorded yet; true when this call decided it.
    @discardableResult
    func finish(_ r: Result<HTTPResponse, TransportFailure>) -> Bool {
        lock.lock()
        guard result == nil else {
            lock.unlock()
            return false
        }
        result = r
        lock.unlock()
        deliver()
        return true
    }

    private func deliver() {
        lock.lock()
        guard !delivered, let c = continuation, let r = result else {
            lock.unlock()
            return
        }
        delivered = true
        body = Data()
        lock.unlock()
        c.resume(with: r.mapError { $0 as any Error })
    }

    func setResponse(_ r: HTTPURLResponse) { lock.withLock { response = r } }

    /// Appends decoded bytes; false (and finished) once the limit is passed.
    func append(_ data: Data) -> Bool {
        lock.lock()
        if result != nil {
            lock.unlock()
            return false
        }
        if body.count + data.count > limits.maxResponseBytes {
            lock.unlock()
            finish(.failure(.responseTooLarge(host: host, limit: limits.maxResponseBytes, declared: nil)))
            return false
        }
        body.append(data)
        lock.unlock()
        return true
    }

    func complete(error: (any Error)?) {
        guard let error else {
            let (resp, data) = lock.withLock { (response, body) }
            guard let resp else {
                finish(.failure(.other("\(host) sent something that is not an HTTP response")))
                return
            }
            var headers: [String: String] = [:]
            for (k, v) in resp.allHeaderFields {
                if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
            }
            finish(.success(HTTPResponse(status: resp.statusCode, headers: headers, body: data)))
            return
        }
        finish(.failure(classify(error)))
    }

    private func classify(_ error: any Error) -> TransportFailure {
        guard let u = error as? URLError else { return .other("talking to \(host) failed: \(error)") }
        let got = received
        let expected = lock.withLock { response.map { $0.expectedContentLength } }.flatMap { $0 >= 0 ? Int($0) : nil }
        switch u.code {
        case .timedOut: return .deadlineExceeded(host: host, seconds: limits.deadline, received: got)
        case .cancelled: return .cancelled
        case .cannotConnectToHost: return .cannotConnect(host: host, reason: "connection refused; is the server up?")
        case .cannotFindHost, .dnsLookupFailed:
            return .cannotConnect(host: host, reason: "the name does not resolve; check the URL and DNS")
        case .notConnectedToInternet: return .cannotConnect(host: host, reason: "no network connection")
        case .networkConnectionLost, .badServerResponse, .zeroByteResource, .cannotParseResponse:
            return .connectionClosed(host: host, received: got, expected: expected)
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return .tlsFailed(host: host)
        case .httpTooManyRedirects: return .other("\(host) redirected too many times; check the URL")
        // FoundationNetworking reports a body cut short (curl "transfer closed with N bytes remaining") as
        // an unknown error (-1); with the headers in hand it is a closed connection.
        case .unknown where lock.withLock({ response != nil }):
            return .connectionClosed(host: host, received: got, expected: expected)
        default:
            return .other("talking to \(host) failed: \(u.localizedDescription) (URL error \(u.code.rawValue))")
        }
    }
}

/// Routes URLSession's callbacks to the exchange of each task.
final class TransportDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]

    func register(_ task: URLSessionTask, _ e: Exchange) { lock.withLock { exchanges[task.taskIdentifier] = e } }
    func unregister(_ task: URLSessionTask) { _ = lock.withLock { exchanges.removeValue(forKey: task.taskIdentifier) } }
    private func exchange(_ task: URLSessionTask) -> Exchange? { lock.withLock { exchanges[task.taskIdentifier] } }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        guard let e = exchange(task), let target = request.url else {
            completionHandler(nil)
            return
        }
        if Origin(target) == e.origin {
            completionHandler(request)
            return
        }
        // Refuse before anything is sent to the other host; the caller gets an error naming both.
        e.finish(.failure(.crossHostRedirect(from: e.host, to: displayHost(target))))
        completionHandler(nil)
        task.cancel()
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        guard let e = exchange(dataTask), let http = response as? HTTPURLResponse else {
            completionHandler(.allow)
            return
        }
        e.setResponse(http)
        // Content-Length is the wire size: above the limit, the decoded body can only be larger.
        let declared = http.expectedContentLength
        if declared > Int64(e.limits.maxResponseBytes) {
            e.finish(
                .failure(
                    .responseTooLarge(
                        host: e.host, limit: e.limits.maxResponseBytes, declared: Int(clamping: declared))))
            completionHandler(.cancel)
            dataTask.cancel()
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let e = exchange(dataTask) else { return }
        if !e.append(data) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        exchange(task)?.complete(error: error)
    }
}
