import ArgumentParser
import Foundation

/// `mcpmesh status`.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show this node, its peers, paths, handshake ages, bytes and netmap version.")

    @OptionGroup var agent: AgentOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        var s = AgentClient.connect(agent).call(["op": "status"])
        s["ok"] = nil
        if json { return printJSON(s) }
        let me = s["self"] as? [String: Any] ?? [:]
        let coord = s["coordinator"] as? [String: Any] ?? [:]
        let netmap = s["netmap"] as? [String: Any] ?? [:]
        print("self: \(me["name"] ?? "?") \(me["key"] ?? "")")
        print("coordinator: \(coord["address"] ?? "?") (\((coord["connected"] as? Bool) == true ? "connected" : "not connected"))")
        if let v = netmap["version"] { print("netmap: version \(v), policy \(netmap["policy_version"] ?? "?")") } else { print("netmap: none yet") }
        if let http = s["http"] as? [String: Any] { print("http gateway: \(http["url"] ?? "?")/PEER/SERVER/mcp") }
        let peers = s["peers"] as? [[String: Any]] ?? []
        if peers.isEmpty { print("peers: none"); return }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        print(pad("PEER", 16) + pad("ONLINE", 8) + pad("PATH", 8) + pad("ENDPOINT", 24) + pad("HANDSHAKE", 12) + pad("TX", 12) + "RX")
        for p in peers {
            let age = (p["handshake_age_s"] as? Double).map { String(format: "%.0fs ago", $0) } ?? "never"
            print(pad("\(p["name"] ?? "")", 16) + pad((p["online"] as? Bool) == true ? "yes" : "no", 8) + pad("\(p["path"] ?? "")", 8)
                  + pad("\(p["endpoint"] ?? "")", 24) + pad(age, 12) + pad("\((p["tx_bytes"] as? Int) ?? 0)", 12) + "\((p["rx_bytes"] as? Int) ?? 0)")
        }
    }
}

/// `mcpmesh servers`.
struct Servers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the remote MCP servers and tools this node may use.")

    @OptionGroup var agent: AgentOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let s = AgentClient.connect(agent).call(["op": "servers"])
        let list = s["servers"] as? [[String: Any]] ?? []
        if json { return printJSON(list) }
        if list.isEmpty { print("no remote MCP servers are granted to this node"); return }
        for e in list {
            let tools = (e["tools"] as? [String]) ?? []
            let url = (e["url"] as? String).map { "  url: \($0)" } ?? ""
            print("\(e["peer"] ?? "")/\(e["server"] ?? "")  tools: \(tools == ["*"] ? "all" : tools.joined(separator: ", "))\(url)")
        }
    }
}

/// `mcpmesh ping PEER`.
struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure a round trip to a peer over the mesh, and show the path.")

    @Argument(help: "The peer's node name.") var peer: String
    @OptionGroup var agent: AgentOptions

    func run() throws {
        let r = AgentClient.connect(agent).call(["op": "ping", "peer": peer])
        print("\(peer): \(String(format: "%.2f", (r["rtt_ms"] as? Double) ?? 0)) ms via \(r["path"] ?? "?") (\(r["endpoint"] ?? "?"))")
    }
}

/// `mcpmesh logout`.
struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove this node from the mesh and stop its agent.")

    @OptionGroup var agent: AgentOptions

    func run() throws {
        _ = AgentClient.connect(agent).call(["op": "logout"])
        print("logged out: the coordinator removes this node and its peers' netmaps drop it")
    }
}
