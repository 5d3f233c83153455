import Foundation
import MCP
import MeshWire

/// Messages from the client (the remote peer) toward the upstream server.
extension ToolFilter {
    mutating func client(_ data: Data, grant: ToolGrant, now: Instant) -> [Action] {
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage.parse(data)
        } catch {
            return invalid(data, from: .client, error)
        }
        switch message.kind {
        case .notification(let method):
            if method == CancelledNotification.name, let id = cancelledRequestID(message) {
                pending.markCancelled(id)
            }
            return [.toUpstream(message.bytes)]
        case .response:
            // The client answering a request of the server (sampling, elicitation, roots).
            return [.toUpstream(message.bytes)]
        case .request(let id, let method):
            return request(message, id: id, method: method, grant: grant, now: now)
        }
    }

    private mutating func request(_ message: JSONRPCMessage, id: ID, method: String, grant: ToolGrant,
                                  now: Instant) -> [Action] {
        guard !pending.contains(id) else {
            return [reply(id, RPCErrorCode.invalidRequest,
                          "Invalid Request: id \(Self.describe(id)) is already used by a request in flight")]
        }
        if method != CallTool.name, method != ListTools.name, Self.looksLikeToolMethod(method) {
            // A server that trims or folds method names would take these for tools/call or
            // tools/list, past the filter.
            return [reply(id, RPCErrorCode.invalidRequest, "Invalid Request: method \"\(method)\" must be spelt exactly")]
        }
        var tool: String?
        if method == CallTool.name {
            guard let name = toolName(message) else {
                return [reply(id, RPCErrorCode.invalidParams, "Invalid params: tools/call needs params.name, a string")]
            }
            guard grant.permits(name) else {
                let denial = RPCErrorResponse(
                    id: id, code: RPCErrorCode.toolNotPermitted,
                    message: "tool \"\(name)\" is not permitted for this peer by the mesh policy",
                    data: ["peer": peer, "server": server, "tool": name]).bytes
                let audit = CallAudit(method: method, tool: name, decision: .denied, duration: .zero,
                                      bytesIn: message.bytes.count, bytesOut: denial.count, outcome: "not permitted")
                return [.toClient(denial), .audit(audit)]
            }
            tool = name
        }
        guard pending.insert(id, method: method, tool: tool, started: now, bytesIn: message.bytes.count) else {
            return [reply(id, RPCErrorCode.tooManyRequests,
                          "too many requests in flight on this mesh session (at most \(pending.capacity))")]
        }
        return [.toUpstream(message.bytes)]
    }

    private func reply(_ id: ID, _ code: Int, _ text: String) -> Action {
        .toClient(RPCErrorResponse(id: id, code: code, message: text).bytes)
    }

    /// The tool a `tools/call` names: `params.name` when it is a string, else nil.
    private func toolName(_ message: JSONRPCMessage) -> String? {
        (try? message.withBody { scanner, fields throws(MCPBridgeError) -> String? in
            guard let range = fields["name"], scanner.kind(of: range) == .string else { return nil }
            return try scanner.string(in: range)
        }) ?? nil
    }

    /// The `requestId` of a `notifications/cancelled`, if it can be read.
    private func cancelledRequestID(_ message: JSONRPCMessage) -> ID? {
        (try? message.withBody { scanner, fields throws(MCPBridgeError) -> ID? in
            guard let range = fields["requestId"] else { return nil }
            return try JSONRPCMessage.readID(range, scanner)
        }) ?? nil
    }

    /// True when `method` is `tools/call` or `tools/list` up to case, spacing or stray
    /// characters.
    static func looksLikeToolMethod(_ method: String) -> Bool {
        let letters = String(method.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || $0 == "/" })
        return letters == CallTool.name || letters == ListTools.name
    }

    static func describe(_ id: ID) -> String {
        switch id {
        case .string(let s): return "\"\(s)\""
        case .number(let n): return String(n)
        }
    }
}
