import Foundation
import MeshWire

/// One entry point for fuzzing everything in this module that reads untrusted bytes: the
/// framer (in chunk sizes taken from the input), the JSON-RPC reader and the tool filter in
/// both directions, the SSE parser and the `mcpServers` parser. It must never trap, hang or
/// grow without bound, whatever `bytes` holds; a libFuzzer target calls it directly.
public enum BridgeFuzzing {
    /// Runs `bytes` through every reader.
    public static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let chunk = Int(first % 17) + 1
        var framer = MessageFramer(maxMessageBytes: 4096)
        var sse = SSEParser(maxEventBytes: 4096)
        var filter = ToolFilter(peer: "fuzz", server: "fuzz", grant: ToolGrant(globs: ["read_*", "a?c"]),
                                limits: .init(maxPendingRequests: 16))
        var now = Instant.zero
        var index = 1
        while index < bytes.count {
            let piece = Array(bytes[index..<min(bytes.count, index + chunk)])
            index += chunk
            framer.append(piece)
            _ = try? sse.append(piece)
            while true {
                let message: Data?
                do { message = try framer.next() } catch { continue }
                guard let message else { break }
                now += .milliseconds(1)
                _ = filter.clientMessage(message, now: now)
                _ = filter.upstreamMessage(message, now: now)
            }
        }
        _ = try? framer.finish()
        _ = filter.updateGrant(first & 1 == 0 ? .allTools : nil, now: now)
        _ = filter.sessionEnded(now: now)
        _ = try? MCPServersConfig.parse(Data(bytes))
    }
}
