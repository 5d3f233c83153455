import Foundation
import MCP

/// Relays every message between two MCP transports, unchanged, until either side ends:
/// how the node that *uses* a server joins a local client (stdio from `mcpmesh connect`, or
/// a loopback HTTP session) to the mesh stream. The policy is enforced at the other end
/// (`ServingSession`), so nothing is filtered here.
public enum TransportPump {
    /// Connects both transports, relays until one side's messages end, disconnects both, and
    /// returns why it stopped.
    public static func run(_ a: any Transport, _ b: any Transport) async -> String {
        do {
            try await a.connect()
            try await b.connect()
        } catch {
            await a.disconnect()
            await b.disconnect()
            return "could not connect: \(error)"
        }
        let fromA = await a.receive(), fromB = await b.receive()
        let reason = await withTaskGroup(of: String.self) { group in
            group.addTask { await relay(fromA, to: b, name: "the local client") }
            group.addTask { await relay(fromB, to: a, name: "the remote server") }
            let first = await group.next() ?? "ended"
            group.cancelAll()
            return first
        }
        await a.disconnect()
        await b.disconnect()
        return reason
    }

    private static func relay(_ messages: AsyncThrowingStream<Data, any Error>, to target: any Transport,
                              name: String) async -> String {
        do {
            for try await message in messages { try await target.send(message) }
            return "\(name) closed the session"
        } catch {
            return "\(name) failed: \(error)"
        }
    }
}
