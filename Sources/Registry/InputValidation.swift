/// Checks and canonical forms for everything callers hand the registry. Each check throws the
/// `RegistryError` case that names the value and what is wrong with it, so bad input never
/// reaches the database.
enum InputValidation {
    static let publicKeyPrefix = "mpk:"

    /// A node name: a DNS label of 1–63 lowercase letters, digits and hyphens, not starting or
    /// ending with a hyphen, so it can appear in `node:NAME` and `PEER/SERVER` paths.
    static func nodeName(_ name: String) throws(RegistryError) -> String {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw .invalidNodeName(name, reason: "it is empty") }
        guard bytes.count <= 63 else {
            throw .invalidNodeName(name, reason: "it has \(bytes.count) characters; at most 63 are allowed")
        }
        for byte in bytes where !(isLowerAlnum(byte) || byte == UInt8(ascii: "-")) {
            throw .invalidNodeName(name, reason: "only a-z, 0-9 and \"-\" are allowed")
        }
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") {
            throw .invalidNodeName(name, reason: "it may not start or end with \"-\"")
        }
        return name
    }

    /// An identity public key in text form, returned in its canonical lowercase form.
    static func publicKey(_ key: String) throws(RegistryError) -> String {
        guard key.hasPrefix(publicKeyPrefix) else {
            throw .invalidPublicKey(key, reason: "expected it to start with \"\(publicKeyPrefix)\"")
        }
        let hex = key.dropFirst(publicKeyPrefix.count).lowercased()
        guard hex.utf8.count == 64 else {
            throw .invalidPublicKey(key, reason: "expected 64 hex digits after \"\(publicKeyPrefix)\", got \(hex.utf8.count) characters")
        }
        guard hex.utf8.allSatisfy(isLowerHex) else {
            throw .invalidPublicKey(key, reason: "only hex digits may follow \"\(publicKeyPrefix)\"")
        }
        return publicKeyPrefix + hex
    }

    /// A tag: `tag:` then 1–64 of `A-Z a-z 0-9 - _ .`.
    static func tag(_ tag: String) throws(RegistryError) -> String {
        guard tag.hasPrefix("tag:") else { throw .invalidTag(tag, reason: "expected it to start with \"tag:\"") }
        let name = tag.utf8.dropFirst(4)
        guard !name.isEmpty else { throw .invalidTag(tag, reason: "no name follows \"tag:\"") }
        guard name.count <= 64 else { throw .invalidTag(tag, reason: "the name after \"tag:\" is longer than 64 characters") }
        guard name.allSatisfy(isNameByte) else {
            throw .invalidTag(tag, reason: "only A-Z, a-z, 0-9, \"-\", \"_\" and \".\" may follow \"tag:\"")
        }
        return tag
    }

    /// Tags checked, deduplicated and sorted, the form the registry stores.
    static func tags(_ tags: [String]) throws(RegistryError) -> [String] {
        var out = Set<String>()
        for t in tags { out.insert(try tag(t)) }
        return out.sorted()
    }

    /// A published MCP server name: 1–64 of `A-Z a-z 0-9 - _ .`.
    static func serverName(_ name: String) throws(RegistryError) -> String {
        guard !name.isEmpty else { throw .invalidServerName(name, reason: "it is empty") }
        guard name.utf8.count <= 64 else {
            throw .invalidServerName(name, reason: "it is longer than 64 characters")
        }
        guard name.utf8.allSatisfy(isNameByte) else {
            throw .invalidServerName(name, reason: "only A-Z, a-z, 0-9, \"-\", \"_\" and \".\" are allowed")
        }
        return name
    }

    /// Server names checked, deduplicated and sorted.
    static func serverNames(_ names: [String]) throws(RegistryError) -> [String] {
        var out = Set<String>()
        for n in names { out.insert(try serverName(n)) }
        return out.sorted()
    }

    /// An endpoint `host:port` (IPv6 hosts in brackets: `[::1]:41641`), port 1–65535.
    static func endpoint(_ endpoint: String) throws(RegistryError) -> String {
        guard endpoint.utf8.count <= 300 else {
            throw .invalidEndpoint(endpoint, reason: "it is longer than 300 characters")
        }
        guard let colon = endpoint.lastIndex(of: ":") else {
            throw .invalidEndpoint(endpoint, reason: "expected host:port")
        }
        let host = endpoint[..<colon]
        let port = endpoint[endpoint.index(after: colon)...]
        guard !host.isEmpty else { throw .invalidEndpoint(endpoint, reason: "the host is empty") }
        guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy(isDigit),
              let number = Int(port), (1...65535).contains(number) else {
            throw .invalidEndpoint(endpoint, reason: "the port must be a number from 1 to 65535")
        }
        if host.contains(":") && !(host.hasPrefix("[") && host.hasSuffix("]")) {
            throw .invalidEndpoint(endpoint, reason: "an IPv6 host must be in brackets, as in [::1]:41641")
        }
        guard !host.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0 == "/" }) else {
            throw .invalidEndpoint(endpoint, reason: "the host holds a space, a control character or \"/\"")
        }
        return endpoint
    }

    /// Endpoints checked, in the order given, without repeats.
    static func endpoints(_ endpoints: [String]) throws(RegistryError) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for e in endpoints where seen.insert(try endpoint(e)).inserted { out.append(e) }
        return out
    }

    /// A hash of a join key secret as hex (32 bytes for SHA-256 or BLAKE2b-256, or 64 bytes
    /// for BLAKE2b-512), returned lowercase.
    static func secretHash(_ hash: String) throws(RegistryError) -> String {
        let hex = hash.lowercased()
        guard hex.utf8.count == 64 || hex.utf8.count == 128 else {
            throw .invalidSecretHash(reason: "expected 64 or 128 hex digits, got \(hex.utf8.count) characters")
        }
        guard hex.utf8.allSatisfy(isLowerHex) else {
            throw .invalidSecretHash(reason: "only hex digits are allowed")
        }
        return hex
    }

    /// A join key id: 4–32 of `a-z 0-9 - _`.
    static func joinKeyID(_ id: String) throws(RegistryError) -> String {
        guard (4...32).contains(id.utf8.count) else {
            throw .invalidJoinKeyID(id, reason: "it must be 4 to 32 characters long")
        }
        guard id.utf8.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            throw .invalidJoinKeyID(id, reason: "only a-z, 0-9, \"-\" and \"_\" are allowed")
        }
        return id
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    private static func isLowerAlnum(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
    }
    private static func isLowerHex(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))
    }
    private static func isNameByte(_ b: UInt8) -> Bool {
        isLowerAlnum(b) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }
}
