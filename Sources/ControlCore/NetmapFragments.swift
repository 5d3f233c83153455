import MeshCrypto
import MeshWire

/// The pieces of netmap JSON the builder writes once and copies into every netmap that
/// needs them: each node's peer object and key, and each access entry's server tools.
/// They are written in the canonical form of docs/netmap.md ("Encoding"), the form
/// `Netmap.jsonBytes()` writes; tests check that every payload the builder signs equals
/// `jsonBytes()` of the netmap it carries.

/// One node as netmaps list it: the `Netmap.Peer` its peers' netmaps list, the `Netmap.Node`
/// its own netmap starts with, and its JSON, made when the node joins or changes. A class,
/// so that listing it in a netmap being built copies one reference.
final class PeerRecord: Sendable {
    let entry: Netmap.Peer
    /// `node.selfEntry`.
    let selfEntry: Netmap.Node
    /// Its key as the key of its `inbound`/`outbound` entries (`"mpk:` + 64 hex digits +
    /// `":`), then its object in `peers` (`entry.jsonBytes()`): one buffer, so that a netmap
    /// listing the peer reads one place for both.
    let bytes: [UInt8]
    /// The first 8 bytes of the key, big-endian: `inbound` and `outbound` are sorted by key.
    let keyPrefix: UInt64

    /// Where the key field ends and the peer object starts in `bytes`.
    static let keyFieldCount = #""mpk:":"#.utf8.count + 64

    init(_ node: MeshNode) {
        let entry = node.peerEntry
        self.entry = entry
        selfEntry = node.selfEntry
        var bytes: [UInt8] = []
        CanonicalJSON.appendKey(entry.key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        precondition(bytes.count == Self.keyFieldCount)
        bytes.append(contentsOf: entry.jsonBytes())
        self.bytes = bytes
        keyPrefix = entry.key.raw.withUnsafeBytes { raw in raw.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }
    }

    /// The byte count of its object in `peers`.
    var jsonCount: Int { bytes.count - Self.keyFieldCount }

    /// Appends its key field (`"mpk:…":`) to `out`.
    func appendKeyField(to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<Self.keyFieldCount])) }
    }

    /// Appends its object in `peers` to `out`.
    func appendJSON(to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[Self.keyFieldCount...])) }
    }

    /// The canonical order of `inbound` and `outbound` keys: their raw bytes (lower-case
    /// hex sorts like the bytes it spells).
    static func keyOrder(_ a: PeerRecord, _ b: PeerRecord) -> Bool {
        if a.keyPrefix != b.keyPrefix { return a.keyPrefix < b.keyPrefix }
        return a.bytes[..<keyFieldCount].lexicographicallyPrecedes(b.bytes[..<keyFieldCount])
    }
}

/// What one peer may use of one node's servers, as `inbound`/`outbound` list it, with its
/// JSON object (`{"files":["*"],"git":["read_*"]}`) written once when the view entry is
/// computed. Views share one instance among all the peers that get the same access.
final class EncodedServerTools: Equatable, Sendable {
    let servers: Netmap.ServerTools
    let json: [UInt8]

    init(_ servers: Netmap.ServerTools) {
        self.servers = servers
        var json: [UInt8] = []
        CanonicalJSON.appendServerTools(servers, to: &json)
        self.json = json
    }

    static func == (a: EncodedServerTools, b: EncodedServerTools) -> Bool {
        a === b || a.servers == b.servers
    }
}

/// The canonical JSON of the few values the builder writes itself (docs/netmap.md,
/// "Encoding"): strings escape only `"`, `\` and control characters (`\b \t \n \f \r`, the
/// rest `\u00xx` in lower case); object keys in ascending order of their UTF-8 bytes.
enum CanonicalJSON {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// `"mpk:…"`: an identity key's text form as a JSON string.
    static func appendKey(_ key: IdentityPublicKey, to out: inout [UInt8]) {
        out.append(contentsOf: #""mpk:"#.utf8)
        key.raw.withUnsafeBytes { raw in
            for byte in raw {
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x00..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `{"server":["glob",…],…}`, servers in UTF-8 order, globs as given.
    static func appendServerTools(_ servers: Netmap.ServerTools, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, server) in servers.keys.sorted(by: utf8Order).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendString(server, to: &out)
            out.append(contentsOf: ":[".utf8)
            for (j, glob) in (servers[server] ?? []).enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                appendString(glob, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    static func utf8Order(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
