import Foundation

/// Runs a tool other than stratopt (a JSON Schema validator, python3, systemd-analyze), off the cooperative
/// pool like ``CLI/run(_:cwd:env:)``.
enum Tool {
    /// The full path of `name` on PATH, or nil when it is not installed.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether python3 can import `module`.
    static func pythonHas(_ module: String) -> Bool {
        guard let python = find("python3") else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import \(module)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static func run(_ executable: String, _ args: [String], cwd: URL = CLI.repoRoot) async throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: find(executable) ?? executable)
        p.arguments = args
        p.currentDirectoryURL = cwd
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let box = UncheckedBox((p, out, err))
        return await offPool {
            let (p, out, err) = box.value
            let errData = OffPoolRead(err.fileHandleForReading)
            let o = out.fileHandleForReading.readDataToEndOfFile()
            let e = errData.wait()
            p.waitUntilExit()
            return CLIResult(
                status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                stderr: String(decoding: e, as: UTF8.self))
        }
    }
}
