import MeshCrypto

extension Netmap {
    /// One peer the node may reach or be reached by.
    public struct Peer: Hashable, Sendable, Codable {
        /// Its registry id.
        public var id: NodeID
        /// Its unique name.
        public var name: String
        /// Its identity public key: the Noise static key of a session with it is the X25519
        /// form of this key, and `inbound`/`outbound` are keyed by it.
        public var key: IdentityPublicKey
        /// Where it was last seen or says it listens, in order of preference.
        public var endpoints: [HostPort]
        /// The tags it holds, sorted.
        public var tags: [String]
        /// The MCP servers it publishes, sorted.
        public var servers: [String]
        /// Whether it is connected to the coordinator.
        public var online: Bool
        /// When the coordinator last heard from it (or when it went offline).
        public var lastSeen: Time

        /// A peer with every field given; `tags` and `servers` are sorted here.
        public init(id: NodeID, name: String, key: IdentityPublicKey, endpoints: [HostPort], tags: [String],
                    servers: [String], online: Bool, lastSeen: Time) {
            self.id = id
            self.name = name
            self.key = key
            self.endpoints = endpoints
            self.tags = tags.sorted(by: NetmapJSONWriter.utf8Order)
            self.servers = servers.sorted(by: NetmapJSONWriter.utf8Order)
            self.online = online
            self.lastSeen = lastSeen
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, name, key, endpoints, tags, servers, online, lastSeen
        }

        public init(from decoder: any Decoder) throws {
            try NetmapCoding.rejectUnknownFields(decoder, known: CodingKeys.allCases)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try NetmapCoding.decode(NodeID.self, c, .id)
            name = try c.decode(String.self, forKey: .name)
            key = try NetmapCoding.decodeKey(c, .key)
            endpoints = try NetmapCoding.decodeEndpoints(c, .endpoints)
            tags = try c.decode([String].self, forKey: .tags)
            servers = try c.decode([String].self, forKey: .servers)
            online = try c.decode(Bool.self, forKey: .online)
            lastSeen = try NetmapCoding.decode(Time.self, c, .lastSeen)
        }

        /// This peer's JSON object as it appears in `peers` (canonical form, see
        /// `Netmap.jsonBytes()`).
        public func jsonBytes() -> [UInt8] {
            var w = NetmapJSONWriter(capacity: 256)
            w.raw("{")
            w.key("endpoints")
            w.strings(endpoints.map(\.description))
            w.raw(",")
            w.key("id")
            w.integer(id.rawValue)
            w.raw(",")
            w.key("key")
            w.identityKey(key)
            w.raw(",")
            w.key("lastSeen")
            w.integer(lastSeen.unixMilliseconds)
            w.raw(",")
            w.key("name")
            w.string(name)
            w.raw(",")
            w.key("online")
            w.bool(online)
            w.raw(",")
            w.key("servers")
            w.strings(servers)
            w.raw(",")
            w.key("tags")
            w.strings(tags)
            w.raw("}")
            return w.bytes
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(key.text, forKey: .key)
            try c.encode(endpoints.map(\.description), forKey: .endpoints)
            try c.encode(tags, forKey: .tags)
            try c.encode(servers, forKey: .servers)
            try c.encode(online, forKey: .online)
            try c.encode(lastSeen, forKey: .lastSeen)
        }
    }
}
