import Foundation
import MCP

/// JSON-RPC error codes the bridge answers with, and the encoding of its error responses.
///
/// Codes from -32700 to -32600 are JSON-RPC 2.0's own (§5.1). The bridge's codes sit in the
/// range JSON-RPC reserves for implementation-defined server errors (-32000 to -32099),
/// away from the -32000 the MCP SDKs use for a closed connection and -32042 (URL
/// elicitation). They are listed in docs/mcp-bridge.md under the same names.
public enum RPCErrorCode {
    /// The message is not valid JSON (JSON-RPC 2.0 §5.1).
    public static let parseError = -32700
    /// The JSON is not a valid request object (JSON-RPC 2.0 §5.1).
    public static let invalidRequest = -32600
    /// Invalid method parameters, such as a `tools/call` without a tool name (§5.1).
    public static let invalidParams = -32602
    /// The upstream server sent something the bridge cannot pass on (§5.1).
    public static let internalError = -32603
    /// The mesh policy does not grant this peer the tool it called.
    public static let toolNotPermitted = -32001
    /// The peer has too many requests in flight on this session.
    public static let tooManyRequests = -32002
    /// The upstream MCP server cannot be reached or answered with an HTTP error.
    public static let upstreamUnavailable = -32003
}

/// A JSON-RPC 2.0 error response built by the bridge itself.
public struct RPCErrorResponse: Encodable, Sendable, Equatable {
    /// The error member of the response.
    public struct Body: Encodable, Sendable, Equatable {
        public var code: Int
        public var message: String
        public var data: [String: String]?
    }

    public let jsonrpc = "2.0"
    /// The id of the request answered; nil (`null`) when it could not be read.
    public var id: ID?
    public var error: Body

    /// An error response to the request `id` with `code`, `message` and optional `data`.
    public init(id: ID?, code: Int, message: String, data: [String: String]? = nil) {
        self.id = id
        self.error = Body(code: code, message: message, data: data)
    }

    enum CodingKeys: String, CodingKey { case jsonrpc, id, error }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jsonrpc, forKey: .jsonrpc)
        if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
        try container.encode(error, forKey: .error)
    }

    /// The response as one line of JSON (keys sorted, no newline).
    public var bytes: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, integers and string maps cannot fail.
        return (try? encoder.encode(self)) ?? Data(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"internal error"}}"#.utf8)
    }
}
