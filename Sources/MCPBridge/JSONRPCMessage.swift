import Foundation
import MCP

/// One JSON-RPC 2.0 message as it travels through the bridge: its exact bytes, and what the
/// bridge needs to route and filter it.
///
/// The bridge forwards the bytes it received, never a re-encoding, so arguments and results
/// reach the other side exactly as sent. Parsing is strict (see `JSONScanner`): the whole
/// text is checked, `"jsonrpc"` must be `"2.0"`, a request id is a string or an integer (the
/// SDK's `ID`), and a key written twice anywhere the bridge looks is refused.
public struct JSONRPCMessage: Sendable, Hashable {
    /// What a message is.
    public enum Kind: Sendable, Hashable {
        /// A request: it has an id and expects a response.
        case request(id: ID, method: String)
        /// A notification: a method without an id.
        case notification(method: String)
        /// A response to a request; `id` is nil when the sender wrote `null` (an error about a
        /// request it could not read).
        case response(id: ID?, isError: Bool)
    }

    /// What this message is.
    public let kind: Kind
    /// The message exactly as received, starting at index 0.
    public let bytes: Data
    /// Where `"params"` (requests, notifications) or `"result"` (responses) sits in `bytes`.
    let bodyRange: Range<Int>?

    /// The method of a request or notification.
    public var method: String? {
        switch kind {
        case .request(_, let method), .notification(let method): return method
        case .response: return nil
        }
    }

    /// Parses one message (a JSON object, not a batch).
    public static func parse(_ data: Data) throws(MCPBridgeError) -> JSONRPCMessage {
        let bytes = data.startIndex == 0 ? data : Data(data)
        let parsed: (Kind, Range<Int>?) = try scanning(bytes) { scanner throws(MCPBridgeError) in
            let document = try scanner.document()
            guard scanner.kind(of: document) == .object else {
                throw .invalidMessage(reason: "a message must be a JSON object")
            }
            var fields: [String: Range<Int>] = [:]
            for member in try scanner.members(of: document) { fields[member.key] = member.value }
            guard let version = fields["jsonrpc"], scanner.kind(of: version) == .string,
                  try scanner.string(in: version) == "2.0" else {
                throw .invalidMessage(reason: "\"jsonrpc\" must be \"2.0\"")
            }
            let id = try fields["id"].map { range throws(MCPBridgeError) in try readID(range, scanner) }
            if let methodRange = fields["method"] {
                guard scanner.kind(of: methodRange) == .string else {
                    throw .invalidMessage(reason: "\"method\" must be a string")
                }
                let method = try scanner.string(in: methodRange)
                let params = fields["params"]
                if let params, ![.object, .array].contains(scanner.kind(of: params)) {
                    throw .invalidMessage(reason: "\"params\" must be an object or an array")
                }
                guard fields["result"] == nil, fields["error"] == nil else {
                    throw .invalidMessage(reason: "a request or notification has no \"result\" or \"error\"")
                }
                switch id {
                case .none: return (.notification(method: method), params)
                case .some(.none): throw .invalidMessage(reason: "a request id must not be null")
                case .some(.some(let id)): return (.request(id: id, method: method), params)
                }
            }
            let result = fields["result"], error = fields["error"]
            guard (result == nil) != (error == nil) else {
                throw .invalidMessage(reason: "a message needs \"method\", or exactly one of \"result\" and \"error\"")
            }
            guard let id else { throw .invalidMessage(reason: "a response needs an \"id\"") }
            if let error, scanner.kind(of: error) != .object {
                throw .invalidMessage(reason: "\"error\" must be an object")
            }
            return (.response(id: id, isError: error != nil), result)
        }
        return JSONRPCMessage(kind: parsed.0, bytes: bytes, bodyRange: parsed.1)
    }

    /// The bytes of each element when `data` is a JSON array (a JSON-RPC batch); nil when it
    /// is not an array. The array itself must be valid JSON.
    public static func batchElements(_ data: Data) throws(MCPBridgeError) -> [Data]? {
        let bytes = data.startIndex == 0 ? data : Data(data)
        let ranges: [Range<Int>]? = try scanning(bytes) { scanner throws(MCPBridgeError) in
            let start = scanner.skipWhitespace(0)
            guard start < scanner.bytes.count, scanner.bytes[start] == UInt8(ascii: "[") else { return nil }
            return try scanner.elements(of: try scanner.document())
        }
        return ranges?.map { bytes.subdata(in: $0) }
    }

    /// The id of `data` when it is an object whose `"id"` can be read, however wrong the rest
    /// is: used to address an error response to a request the bridge refuses.
    public static func bestEffortID(_ data: Data) -> ID? {
        let bytes = data.startIndex == 0 ? data : Data(data)
        return try? scanning(bytes) { scanner throws(MCPBridgeError) -> ID? in
            let document = try scanner.document()
            guard let member = try scanner.members(of: document).first(where: { $0.key == "id" }) else { return nil }
            return try readID(member.value, scanner)
        }
    }

    // MARK: - Reading inside params and result

    /// Reads the members of `"params"` or `"result"`, or of an object nested inside it along
    /// `path`; nil when the body or a step of the path is missing or not an object.
    func withBody<T>(path: [String] = [], _ body: (JSONScanner, [String: Range<Int>]) throws(MCPBridgeError) -> T)
        throws(MCPBridgeError) -> T? {
        guard let bodyRange else { return nil }
        return try Self.scanning(bytes) { scanner throws(MCPBridgeError) -> T? in
            var range = bodyRange
            var fields: [String: Range<Int>] = [:]
            for step in [nil] + path.map(Optional.some) {
                if let step {
                    guard let next = fields[step] else { return nil }
                    range = next
                }
                guard scanner.kind(of: range) == .object else { return nil }
                fields = [:]
                for member in try scanner.members(of: range) { fields[member.key] = member.value }
            }
            return try body(scanner, fields)
        }
    }

    /// Runs `body` with a scanner over `bytes`.
    static func scanning<T>(_ bytes: Data, _ body: (JSONScanner) throws(MCPBridgeError) -> T)
        throws(MCPBridgeError) -> T {
        let result: Result<T, MCPBridgeError> = bytes.withUnsafeBytes { raw in
            do throws(MCPBridgeError) { return .success(try body(JSONScanner(raw))) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Reads an id: nil for `null`, else a string or an integer.
    static func readID(_ range: Range<Int>, _ scanner: JSONScanner) throws(MCPBridgeError) -> ID? {
        switch scanner.kind(of: range) {
        case .null: return nil
        case .string: return .string(try scanner.string(in: range))
        case .number:
            guard let n = scanner.integer(in: range) else {
                throw .invalidMessage(reason: "a numeric id must be an integer")
            }
            return .number(n)
        case .object, .array, .bool:
            throw .invalidMessage(reason: "an id must be a string or an integer")
        }
    }
}
