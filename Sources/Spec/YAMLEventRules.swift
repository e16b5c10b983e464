// CYaml is the libyaml that Yams bundles (not a Yams product; reachable as its transitive module).
import CYaml
import Foundation
import Market

/// Rules checked on libyaml's event stream, before Yams composes a single node.
///
/// Aliases must be refused here, not on the composed nodes: composing already hashes mapping keys (to find
/// duplicates), and an alias bomb used as a key (`? *l9`) makes that hash walk billions of shared nodes.
/// Events are produced one at a time in document order, in constant memory per event, so the check is
/// linear in the text whatever the aliases would expand to. No spelling trick can hide an alias from the
/// parser that resolves it, which a text pre-scan could never promise.
enum YAMLEventRules {
    /// Core-schema tags (YAML 1.2 §10.3): anything else (`!!binary`, `!!python/object`, `!local`) is refused.
    static let coreTags: Set<String> = [
        "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:null",
    ]

    /// The first alias or non-core tag, 1-based line and column; nil when there is none or when the text
    /// has a syntax error (Yams then reports it with its own wording).
    static func firstProblem(_ yaml: String) -> (line: Int, column: Int, message: String)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(yaml.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, column: Int, message: String)? in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let mark = event.start_mark
                let at = (line: Int(mark.line) + 1, column: Int(mark.column) + 1)
                var tag: UnsafeMutablePointer<yaml_char_t>?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_ALIAS_EVENT:
                    let name = text(event.data.alias.anchor) ?? ""
                    return (
                        at.line, at.column,
                        "YAML aliases (*\(EchoedInput.clip(name, limit: 40))) are not supported in pipeline specs; "
                            + "write the value out in full"
                    )
                case YAML_SCALAR_EVENT: tag = event.data.scalar.tag
                case YAML_SEQUENCE_START_EVENT: tag = event.data.sequence_start.tag
                case YAML_MAPPING_START_EVENT: tag = event.data.mapping_start.tag
                default: break
                }
                if let t = text(tag), t != "!", !coreTags.contains(t) {
                    let shown = t.hasPrefix("tag:yaml.org,2002:") ? "!!" + t.dropFirst(18) : Substring(t)
                    return (
                        at.line, at.column,
                        "YAML tag \(EchoedInput.clip(shown, limit: 40)) is not supported; pipeline specs use plain "
                            + "values (only the core tags !!str, !!int, !!float, !!bool, !!null, !!seq and !!map); "
                            + "remove it"
                    )
                }
            }
        }
    }

    private static func text(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
