import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request the loopback server received.
public struct RecordedRequest: Sendable, Equatable {
    public var method: String
    /// Path including the query, as sent.
    public var target: String
    public var headers: [String: String]  // lower-cased names
    public var body: Data

    public var path: String { String(target.prefix { $0 != "?" }) }
    public var query: String? { target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) } }
}

/// What the handler answers.
public enum ScriptedReply: Sendable {
    case respond(status: Int, body: String, headers: [String: String] = [:])
    /// Keep the connection open and never answer (the client times out).
    case hold
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (POSIX sockets, a thread per connection, one request per connection,
/// `Connection: close`). Good enough for a client's tests; not for anything else.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var stopped = false
    private var held: [Int32] = []
    private var recorded: [RecordedRequest] = []
    private let handler: @Sendable (RecordedRequest) -> ScriptedReply
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    public init(handler: @escaping @Sendable (RecordedRequest) -> ScriptedReply) throws {
        self.handler = handler
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ServerError.socket("socket() failed") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ServerError.socket("bind/listen failed")
        }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &out) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.listenFD = fd
        self.port = UInt16(bigEndian: out.sin_port)
        let t = Thread { [self] in self.run() }
        self.thread = t
        t.start()
    }

    public enum ServerError: Error { case socket(String) }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    public var requests: [RecordedRequest] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    public func stop() {
        lock.lock()
        if stopped {
            lock.unlock()
            return
        }
        stopped = true
        lock.unlock()
        done.wait()
        close(listenFD)
        lock.lock()
        for fd in held { close(fd) }
        held = []
        lock.unlock()
    }

    deinit { stop() }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func run() {
        defer { done.signal() }
        while !isStopped {
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, 50)
            if n <= 0 { continue }
            let c = accept(listenFD, nil, nil)
            if c < 0 { continue }
            // One thread per connection, so an idle or held connection never delays the next one.
            Thread { [self] in self.serve(c) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        guard let req = readRequest(fd) else {
            close(fd)
            return
        }
        lock.lock()
        recorded.append(req)
        lock.unlock()
        switch handler(req) {
        case .hold:
            lock.lock()
            held.append(fd)
            lock.unlock()
        case .respond(let status, let body, let headers):
            let bytes = Array(body.utf8)
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            head += "Content-Type: application/json\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n"
            for (k, v) in headers.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
            head += "\r\n"
            let all = Array(head.utf8) + bytes
            var off = 0
            while off < all.count {
                let w = all[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if w <= 0 { break }
                off += w
            }
            close(fd)
        }
    }

    private func readRequest(_ fd: Int32) -> RecordedRequest? {
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let sep: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        var contentLength = 0
        while true {
            if headerEnd == nil, let r = Self.find(sep, in: buf) {
                headerEnd = r
                let head = String(decoding: buf[..<r], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
            }
            if let h = headerEnd, buf.count >= h + 4 + contentLength { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 2000) <= 0 { return nil }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            buf.append(contentsOf: chunk[0..<n])
        }
        let h = headerEnd!
        let lines = String(decoding: buf[..<h], as: UTF8.self).components(separatedBy: "\r\n")
        let first = lines[0].split(separator: " ")
        guard first.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 {
                headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return RecordedRequest(
            method: String(first[0]), target: String(first[1]), headers: headers,
            body: Data(buf[(h + 4)..<(h + 4 + contentLength)]))
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count)
        where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }

    private static func reason(_ s: Int) -> String {
        switch s {
        case 200: return "OK"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        default: return "Status"
        }
    }
}
