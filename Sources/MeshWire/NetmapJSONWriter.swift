import MeshCrypto

/// Writes a netmap's canonical JSON (docs/netmap.md, "Encoding"): no insignificant
/// whitespace; object keys in ascending order of their UTF-8 bytes; strings escaped only
/// where JSON requires (`\"`, `\\`, `\b \t \n \f \r`, other control characters as
/// `\u00xx` in lower-case hex), everything else (including `/` and non-ASCII) as raw UTF-8;
/// integers in plain decimal. This is byte for byte what Foundation's `JSONEncoder` writes
/// with `.sortedKeys` and `.withoutEscapingSlashes`, without its cost: a netmap listing
/// hundreds of peers is written in a fraction of the time, and each peer's object can be
/// written once and reused in every netmap that lists it.
struct NetmapJSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ fragment: [UInt8]) { bytes.append(contentsOf: fragment) }

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: utf8)  // the common case: nothing to escape
            } else {
                for byte in utf8 { escaped(byte) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private mutating func escaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x08: raw("\\b")
        case 0x09: raw("\\t")
        case 0x0A: raw("\\n")
        case 0x0C: raw("\\f")
        case 0x0D: raw("\\r")
        case 0x00..<0x20:
            raw("\\u00")
            bytes.append(Self.hex[Int(byte >> 4)])
            bytes.append(Self.hex[Int(byte & 0x0F)])
        default:
            bytes.append(byte)
        }
    }

    /// An identity key's text form, `"mpk:` and 64 lower-case hex digits`"`, written
    /// without making a `String`.
    mutating func identityKey(_ key: IdentityPublicKey) {
        raw("\"mpk:")
        key.raw.withUnsafeBytes { raw in
            for byte in raw {
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func integer(_ value: some BinaryInteger) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    mutating func strings(_ list: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, s) in list.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(s)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `"key":`, for keys known to need no escaping.
    mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    /// An object of server → tool globs, keys sorted.
    mutating func serverTools(_ servers: Netmap.ServerTools) {
        bytes.append(UInt8(ascii: "{"))
        for (i, server) in servers.keys.sorted(by: Self.utf8Order).enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(server)
            bytes.append(UInt8(ascii: ":"))
            strings(servers[server] ?? [])
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// The canonical key order: ascending UTF-8 bytes.
    static func utf8Order(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in lexicographicallyLess(x, y) } }
    }

    /// Identity keys in the order of their text forms: the same as the order of their raw
    /// bytes, since lower-case hex digits sort like the values they stand for.
    static func keyOrder(_ a: IdentityPublicKey, _ b: IdentityPublicKey) -> Bool {
        a.raw.withUnsafeBytes { x in b.raw.withUnsafeBytes { y in lexicographicallyLess(x, y) } }
    }

    private static func lexicographicallyLess(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let n = min(x.count, y.count)
        var i = 0
        while i < n {
            if x[i] != y[i] { return x[i] < y[i] }
            i += 1
        }
        return x.count < y.count
    }

    private static func lexicographicallyLess(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        lexicographicallyLess(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y))
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
