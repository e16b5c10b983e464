import Foundation
import LoopbackSupport

/// A file of the hostile corpus (Tests/HTTPTransportTests/Corpus).
func corpus(_ name: String) throws -> Data {
    let dot = name.lastIndex(of: ".")!
    guard
        let url = Bundle.module.url(
            forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
            subdirectory: "Corpus")
    else { throw HostileServer.Failure("no corpus file \(name)") }
    return try Data(contentsOf: url)
}
