import DataSources
import Testing

@Suite struct CSVReaderTests {
    func parse(_ text: String) throws(CSVError) -> [CSVRecord] {
        try CSVReader.parse(Array(text.utf8), source: "t.csv")
    }

    @Test func quotedFieldsCommasQuotesAndNewlines() throws {
        let r = try parse("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nlast,,\"\"\n")
        #expect(r.map(\.fields) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["last", "", ""]])
        #expect(r.map(\.line) == [1, 2, 4])
    }

    @Test func keepsSpacesSkipsBlankLinesBOMAndCRLF() throws {
        let r = try CSVReader.parse([0xEF, 0xBB, 0xBF] + Array("h1,h2\r\n\r\n a , b\r\nc,d".utf8), source: "t.csv")
        #expect(r.map(\.fields) == [["h1", "h2"], [" a ", " b"], ["c", "d"]])
        #expect(r.map(\.line) == [1, 3, 4])
    }

    @Test func malformedQuoteNamesTheLine() {
        #expect(throws: CSVError.self) { try parse("a,b\n1,2\n3,\"4\"x\n") }
        do {
            _ = try parse("a,b\n1,2\n3,\"4\"x\n")
        } catch {
            #expect(error.source == "t.csv")
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("t.csv:3: malformed CSV"))
        }
    }

    @Test func unterminatedQuoteIsAnError() {
        do {
            _ = try parse("a,b\n1,\"2\n3,4\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("unterminated"))
        }
    }

    @Test func missingFile() {
        do {
            _ = try CSVReader.read(path: "/nonexistent/x.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/x.csv: cannot read"))
        }
    }
}
