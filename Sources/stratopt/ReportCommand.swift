import ArgumentParser
import Foundation
import RunStore

/// `stratopt report RUN_ID [--pdf]`: where a run's report is, and its PDF through headless Chromium.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print where a run's report.html is, or print it to report.pdf with --pdf.",
        discussion: """
            Without --pdf, prints the path of the run's report.html (and of its symbols/ pages when the run was \
            large). With --pdf, headless Chromium prints report.html into report.pdf beside it, using the page's \
            print style sheet (landscape, every column, one page per symbol). Chromium is looked up as \
            $STRATOPT_CHROMIUM, then chromium, chromium-browser, google-chrome on $PATH; install it with \
            `apt-get install chromium` (Debian, Ubuntu).
            """)

    @Argument(
        help: ArgumentHelp("The run id, or a unique prefix of it.", valueName: "run-id"),
        completion: .custom(RunIdCompletion.complete))
    var runId: String

    @OptionGroup var data: DataOptions

    @Flag(help: "Write report.pdf beside report.html through headless Chromium.")
    var pdf = false

    @Option(help: ArgumentHelp("Seconds Chromium may take to print the PDF.", valueName: "seconds"))
    var timeout: Int = 120

    func run() throws {
        let r = try CLI.findRun(readOnly: data.resolvedDataDir, runId)
        guard let dir = r.reportPath else {
            throw CLIFailure.failed("run \(r.runId) has no report folder (it did not reach the report stage)")
        }
        let html = dir + "/report.html"
        guard FileManager.default.fileExists(atPath: html) else {
            throw CLIFailure.failed("\(html) does not exist (the run did not finish its report)")
        }
        guard pdf else {
            print(html)
            let pages = dir + "/symbols"
            if let n = try? FileManager.default.contentsOfDirectory(atPath: pages).filter({ $0.hasSuffix(".html") })
                .count, n > 0
            {
                print("\(pages)/ (\(n) symbol pages)")
            }
            return
        }
        guard let chromium = Self.findChromium(ProcessInfo.processInfo.environment) else {
            throw CLIFailure.failed(
                "--pdf needs headless Chromium, which is not installed: install it (Debian/Ubuntu: apt-get install chromium) or set STRATOPT_CHROMIUM to its binary; the report itself is \(html)"
            )
        }
        let out = dir + "/report.pdf"
        try Self.printPDF(chromium: chromium, html: html, to: out, timeout: max(5, timeout))
        print("wrote \(out)")
    }

    /// $STRATOPT_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on $PATH.
    static func findChromium(_ env: [String: String]) -> String? {
        let fm = FileManager.default
        if let given = env["STRATOPT_CHROMIUM"], !given.isEmpty {
            return fm.isExecutableFile(atPath: given) ? given : nil
        }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for d in dirs where fm.isExecutableFile(atPath: d + "/" + name) { return d + "/" + name }
        }
        return nil
    }

    /// Runs Chromium headless into a temporary file, renamed to `out` when Chromium succeeded (so a reader
    /// never sees half a PDF); stops it after `timeout` seconds.
    static func printPDF(chromium: String, html: String, to out: String, timeout: Int) throws {
        let temp = (out as NSString).deletingLastPathComponent + "/.report.pdf.partial"
        let url = URL(fileURLWithPath: html).absoluteString
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        // Chromium refuses to run as root inside its sandbox; the page is our own offline file (its CSP
        // blocks every request).
        var args = [
            "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--no-pdf-header-footer", "--print-to-pdf=\(temp)", url,
        ]
        if geteuid() == 0 { args.insert("--no-sandbox", at: 0) }
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch {
            throw CLIFailure.failed("cannot start \(chromium): \(error.localizedDescription)")
        }
        let deadline = Date().addingTimeInterval(Double(timeout))
        while p.isRunning && Date() < deadline { usleep(100_000) }
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
            try? FileManager.default.removeItem(atPath: temp)
            throw CLIFailure.failed("Chromium did not print \(html) within \(timeout) s (raise --timeout)")
        }
        guard p.terminationStatus == 0,
            let size = (try? FileManager.default.attributesOfItem(atPath: temp))?[.size] as? Int, size > 0
        else {
            try? FileManager.default.removeItem(atPath: temp)
            throw CLIFailure.failed("Chromium could not print \(html) (exit status \(p.terminationStatus))")
        }
        _ = try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.moveItem(atPath: temp, toPath: out)
    }
}
