import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request as the hostile server read it (headers lowercased).
public struct SeenRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [String: String]
}

private func rawSend(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    send(fd, p, n, Int32(MSG_NOSIGNAL))
}

/// The connection a behaviour writes to: raw bytes, pauses, an abrupt close.
public struct HostileConnection: Sendable {
    let fd: Int32
    let stopped: @Sendable () -> Bool

    /// Sends bytes; false once the client has gone.
    @discardableResult
    public func send(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = rawSend(fd, raw.baseAddress! + sent, raw.count - sent)
                if n <= 0 { return false }
                sent += n
            }
            return true
        }
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Data(text.utf8)) }

    /// Waits (in short steps, so a stopped server ends the wait) for `seconds`.
    public func pause(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end && !stopped() { usleep(10_000) }
    }

    /// A status line and headers (no body).
    @discardableResult
    public func head(_ status: Int, _ headers: [(String, String)]) -> Bool {
        var h = "HTTP/1.1 \(status) X\r\n"
        for (k, v) in headers { h += "\(k): \(v)\r\n" }
        return send(h + "\r\n")
    }

    /// A complete response with Content-Length.
    public func respond(_ status: Int, _ headers: [(String, String)] = [], body: Data = Data()) {
        guard head(status, headers + [("Content-Length", String(body.count)), ("Connection", "close")]) else {
            return
        }
        send(body)
    }
}

/// An HTTP/1.1 server on 127.0.0.1 whose answers are scripted at the byte level, to reproduce hostile
/// servers: trickling bytes, oversized and compressed bodies, redirects, connections closed mid-body, rate
/// limit storms. One thread per connection; closes each connection after the behaviour returns. Stops on
/// `stop()` and by itself after `lifetime` seconds.
public final class HostileServer: @unchecked Sendable {
    public typealias Behaviour = @Sendable (SeenRequest, HostileConnection) -> Void

    public let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var stopped = false
    private var seen: [SeenRequest] = []
    private let behaviour: Behaviour
    private let acceptDone = DispatchSemaphore(value: 0)

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    public var requests: [SeenRequest] { lock.withLock { seen } }
    public var isStopped: Bool { lock.withLock { stopped } }

    public init(lifetime: Double = 300, _ behaviour: @escaping Behaviour) throws {
        self.behaviour = behaviour
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
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
            throw Failure("bind/listen on 127.0.0.1 failed")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = UInt16(bigEndian: addr.sin_port)
        listenFD = fd
        let deadline = Date().addingTimeInterval(lifetime)
        Thread { [self] in acceptLoop(until: deadline) }.start()
    }

    deinit { stop() }

    public struct Failure: Error {
        public var message: String
        public init(_ m: String) { message = m }
    }

    public func stop() {
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
            guard poll(&p, 1, 20) > 0 else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            Thread { [self] in handle(client) }.start()
        }
        lock.withLock { stopped = true }
    }

    private func handle(_ fd: Int32) {
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readHead(fd) else { return }
        lock.withLock { seen.append(request) }
        behaviour(request, HostileConnection(fd: fd, stopped: { [weak self] in self?.isStopped ?? true }))
        shutdown(fd, Int32(SHUT_WR))
    }

    private func readHead(_ fd: Int32) -> SeenRequest? {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return nil }
            data.append(contentsOf: buf[0..<n])
            if let r = String(decoding: data, as: UTF8.self).range(of: "\r\n\r\n") {
                let head = String(decoding: data, as: UTF8.self)[..<r.lowerBound]
                let lines = head.components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                guard parts.count >= 2 else { return nil }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] =
                        line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return SeenRequest(method: String(parts[0]), target: String(parts[1]), headers: headers)
            }
            if data.count > 1 << 20 { return nil }
        }
    }
}
