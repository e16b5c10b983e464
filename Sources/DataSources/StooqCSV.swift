import Foundation

/// The CSV reading Stooq needs: bytes → rows of fields, through the shared libcsv `CSVReader`.
enum StooqCSV {
    static func readRows(_ data: Data) throws -> [[String]] {
        try CSVReader.parse(Array(data), source: "stooq response").map(\.fields)
    }
}
