import Foundation
import Pipeline
import Testing

/// What counts as stratopt's in a report folder: its fixed names, its symbol pages, and the temporary
/// `.<name>.partial` a write or copy killed half-way leaves behind — never a dot-file of the user's.
@Suite struct ReportFolderTests {
    @Test func theTemporaryNameOfEachOfOurFilesIsOursAndNothingElseIs() {
        #expect(ReportFolder.temporaryPath(for: "/r/x/results.csv") == "/r/x/.results.csv.partial")
        #expect(ReportFolder.temporaryPath(for: "/r/x/symbols/AAPL.html") == "/r/x/symbols/.AAPL.html.partial")
        for name in ["results.csv", "symbols/AAPL.html"] {
            #expect(ReportFolder.isOurs(name))
            #expect(ReportFolder.isOurs(ReportFolder.temporaryPath(for: name)))
        }
        for name in [
            ".notes.partial", "notes.txt.partial", ".partial", "..partial", "..results.csv.partial",
            ".results.csv.partial.partial", "symbols/..AAPL.html.partial", "other/.results.csv.partial",
        ] {
            #expect(!ReportFolder.isOurs(name), "\(name)")
        }
    }

    @Test func removingAnUnrecordedRunTakesItsLeftoverTemporariesAndKeepsTheUsersFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/symbols", withIntermediateDirectories: true)
        let ours = ["results.csv", ".results.csv.partial", "symbols/AAPL.html", "symbols/.MSFT.html.partial"]
        let users = [".notes.partial", "notes.txt"]
        for name in ours + users { try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        _ = ReportFolder.remove(dir, only: nil)
        for name in ours { #expect(!FileManager.default.fileExists(atPath: dir + "/" + name), "\(name)") }
        for name in users { #expect(FileManager.default.fileExists(atPath: dir + "/" + name), "\(name)") }
    }
}
