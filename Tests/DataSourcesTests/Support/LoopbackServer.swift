import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One request as the server saw it.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    /// Raw query string (percent-encoded, as sent).
    var rawQuery: String
    /// Query parameters, percent-decoded (last value wins).
    var query: [String: String]
    /// Header names lowercased.
    var headers: [String: String]
}

/// A scripted answer.
struct ScriptedResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    /// Never answer; hold the connection until the client gives up (or the server stops).
    var hang: Bool = false

    static func json(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> ScriptedResponse {
        ScriptedResponse(
            status: status, headers: headers.merging(["Content-Type": "application/json; charset=UTF-8"]) { a, _ in a },
            body: Data(text.utf8))
    }

    static func text(
        _ text: String, status: Int = 200, contentType: String = "text/plain", headers: [String: String] = [:]
    )
        -> ScriptedResponse
    {
        ScriptedResponse(
            status: status, headers: headers.merging(["Content-Type": contentType]) { a, _ in a }, body: Data(text.utf8)
        )
    }

    static let hang = ScriptedResponse(status: 0, headers: [:], body: Data(), hang: true)
}

/// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) for tests: one request per connection
/// (`Connection: close`), Content-Length bodies, scripted responses per path (+ query subset), and a log
/// of every request. Stops when `stop()` is called, and by itself after `lifetime` seconds at most.
final class LoopbackServer: @unchecked Sendable {
    private struct Rule {
        var path: String
        var query: [String: String]
        var responses: [ScriptedResponse]
        var repeatLast: Bool
    }

    let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var rules: [Rule] = []
    private var log: [RecordedRequest] = []
    private var stopped = false
    private let acceptDone = DispatchSemaphore(value: 0)

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(lifetime: Double = 900) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ServerError("bind/listen on 127.0.0.1 failed: errno \(errno)")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = UInt16(bigEndian: addr.sin_port)
        self.listenFD = fd
        let deadline = Date().addingTimeInterval(lifetime)
        let thread = Thread { [self] in acceptLoop(until: deadline) }
        thread.start()
    }

    deinit { stop() }

    struct ServerError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// Answer requests to `path` whose query contains all of `query` with `responses`, in order.
    /// The last response repeats when `repeatLast` is true; otherwise the rule is used up.
    func on(
        _ path: String, query: [String: String] = [:], repeatLast: Bool = false, _ responses: ScriptedResponse...
    ) {
        lock.withLock { rules.append(Rule(path: path, query: query, responses: responses, repeatLast: repeatLast)) }
    }

    /// Every request seen so far, in arrival order.
    var requests: [RecordedRequest] { lock.withLock { log } }

    var isStopped: Bool { lock.withLock { stopped } }

    /// Stops accepting and waits for the accept thread to close the socket. Idempotent.
    func stop() {
        lock.withLock { stopped = true }
        acceptDone.wait()
        acceptDone.signal()
    }

    private func acceptLoop(until deadline: Date) {
        defer {
            close(listenFD)
            acceptDone.signal()
        }
        while !isStopped && Date() < deadline {
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            let t = Thread { [self] in handle(client) }
            t.start()
        }
        lock.withLock { stopped = true }
    }

    private func handle(_ fd: Int32) {
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest(fd) else { return }
        let response: ScriptedResponse = lock.withLock {
            log.append(request)
            for i in rules.indices where rules[i].path == request.path && !rules[i].responses.isEmpty {
                guard rules[i].query.allSatisfy({ request.query[$0.key] == $0.value }) else { continue }
                if rules[i].responses.count == 1 && rules[i].repeatLast { return rules[i].responses[0] }
                return rules[i].responses.removeFirst()
            }
            return .text("no scripted response for \(request.path)?\(request.rawQuery)", status: 599)
        }
        if response.hang {
            // Wait for the client to close (its timeout) — no timing on the server side.
            var buf = [UInt8](repeating: 0, count: 256)
            while !isStopped {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 50) > 0 {
                    if recv(fd, &buf, buf.count, 0) <= 0 { return }
                }
            }
            return
        }
        var head = "HTTP/1.1 \(response.status) \(reason(response.status))\r\n"
        var headers = response.headers
        headers["Content-Length"] = String(response.body.count)
        headers["Connection"] = "close"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        var bytes = Data(head.utf8)
        bytes.append(response.body)
        bytes.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                sent += n
            }
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    private func readRequest(_ fd: Int32) -> RecordedRequest? {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        let crlf2: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int? = nil
        while headerEnd == nil {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return nil }
            data.append(contentsOf: buf[0..<n])
            if data.count >= 4 {
                for i in 0...(data.count - 4) where Array(data[i..<(i + 4)]) == crlf2 {
                    headerEnd = i
                    break
                }
            }
            if data.count > 1 << 20 { return nil }
        }
        let head = String(decoding: data[0..<headerEnd!], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        // Drain a Content-Length body (GETs have none; kept for completeness).
        var remaining = (Int(headers["content-length"] ?? "0") ?? 0) - (data.count - headerEnd! - 4)
        while remaining > 0 {
            let n = recv(fd, &buf, min(buf.count, remaining), 0)
            if n <= 0 { break }
            remaining -= n
        }
        let target = String(parts[1])
        let (path, rawQuery) =
            target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) }
            ?? (target, "")
        var query: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let v = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            query[k] = v
        }
        return RecordedRequest(method: String(parts[0]), path: path, rawQuery: rawQuery, query: query, headers: headers)
    }

    private func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// Runs `body` with a fresh server and always stops it afterwards.
func withLoopbackServer<T>(_ body: (LoopbackServer) async throws -> T) async throws -> T {
    let server = try LoopbackServer()
    defer { server.stop() }
    return try await body(server)
}
