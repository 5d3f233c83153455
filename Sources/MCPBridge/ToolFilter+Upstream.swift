import Foundation
import MCP
import MeshWire

/// Messages from the upstream server toward the client, and the `tools/list` rewrite.
extension ToolFilter {
    mutating func upstream(_ data: Data, grant: ToolGrant, now: Instant) -> [Action] {
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage.parse(data)
        } catch {
            return invalid(data, from: .upstream, error)
        }
        switch message.kind {
        case .request, .notification:
            return [.toClient(message.bytes)]
        case .response(.none, let isError):
            // An error about a request the server could not read carries no id and no result.
            guard isError else { return [.dropped(.upstream, reason: "a result with a null id")] }
            return [.toClient(message.bytes)]
        case .response(.some(let id), let isError):
            guard let entry = pending.remove(id) else {
                return [.dropped(.upstream, reason: "a response to id \(Self.describe(id)), which no request in flight has")]
            }
            return response(message, id: id, isError: isError, entry: entry, grant: grant, now: now)
        }
    }

    private mutating func response(_ message: JSONRPCMessage, id: ID, isError: Bool, entry: PendingRequests.Entry,
                                   grant: ToolGrant, now: Instant) -> [Action] {
        var out = message.bytes
        var actions: [Action] = []
        switch entry.method {
        case ListTools.name where !isError:
            do {
                out = try Self.filterToolsList(message, grant: grant)
            } catch {
                let reason = "the server's tools/list result cannot be filtered: \(error)"
                out = RPCErrorResponse(id: id, code: RPCErrorCode.internalError, message: reason).bytes
                actions.append(.dropped(.upstream, reason: reason))
            }
        case CallTool.name:
            let outcome = isError ? "error" + (Self.errorCode(message).map { " \($0)" } ?? "") : "ok"
            actions.append(.audit(CallAudit(
                method: entry.method, tool: entry.tool, decision: .allowed, duration: now - entry.started,
                bytesIn: entry.bytesIn, bytesOut: out.count,
                outcome: entry.cancelled ? "cancelled" : outcome)))
        case Initialize.name where !isError:
            upstreamAnnouncesToolChanges = Self.announcesToolChanges(message)
        default:
            break
        }
        return [.toClient(out)] + actions
    }

    /// `message` (a `tools/list` result) with only the tools `grant` permits. Every other
    /// byte — other fields of the result such as `nextCursor`, and each kept tool — is kept
    /// as the server wrote it. A tool without a string `name` is dropped, since the grant
    /// cannot be checked against it. The message is returned unchanged when nothing is hidden.
    static func filterToolsList(_ message: JSONRPCMessage, grant: ToolGrant) throws(MCPBridgeError) -> Data {
        let cut: (tools: Range<Int>, kept: [Range<Int>])? = try message.withBody { scanner, fields throws(MCPBridgeError) in
            guard let tools = fields["tools"] else { return nil }
            guard scanner.kind(of: tools) == .array else {
                throw .invalidMessage(reason: "\"tools\" in a tools/list result must be an array")
            }
            let all = try scanner.elements(of: tools)
            let kept = all.filter { element in
                guard scanner.kind(of: element) == .object,
                      let name = try? scanner.members(of: element).first(where: { $0.key == "name" }),
                      scanner.kind(of: name.value) == .string,
                      let text = try? scanner.string(in: name.value) else { return false }
                return grant.permits(text)
            }
            return kept.count == all.count ? nil : (tools, kept)
        } ?? nil
        guard let cut else { return message.bytes }
        let bytes = message.bytes
        var out = Data(capacity: bytes.count)
        out.append(bytes[..<cut.tools.lowerBound])
        out.append(UInt8(ascii: "["))
        for (n, element) in cut.kept.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(bytes[element])
        }
        out.append(UInt8(ascii: "]"))
        out.append(bytes[cut.tools.upperBound...])
        return out
    }

    /// The code of an error response, if it is an integer.
    private static func errorCode(_ message: JSONRPCMessage) -> Int? {
        try? JSONRPCMessage.scanning(message.bytes) { scanner throws(MCPBridgeError) -> Int? in
            let top = try scanner.members(of: try scanner.document())
            guard let error = top.first(where: { $0.key == "error" }),
                  let code = try scanner.members(of: error.value).first(where: { $0.key == "code" }) else { return nil }
            return scanner.integer(in: code.value)
        }
    }

    /// True when an initialize result says `capabilities.tools.listChanged: true`.
    private static func announcesToolChanges(_ message: JSONRPCMessage) -> Bool {
        let value = try? message.withBody(path: ["capabilities", "tools"]) { scanner, fields throws(MCPBridgeError) in
            guard let range = fields["listChanged"] else { return false }
            return scanner.bytes[range.lowerBound] == UInt8(ascii: "t")
        }
        return value == true
    }
}
