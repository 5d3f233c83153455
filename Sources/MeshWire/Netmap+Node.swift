import MeshCrypto

extension Netmap {
    /// The node a netmap is for, as the coordinator knows it.
    public struct Node: Hashable, Sendable, Codable {
        /// Its registry id.
        public var id: NodeID
        /// Its unique name (`node:NAME` in the policy, `NAME/SERVER` for its peers).
        public var name: String
        /// Its identity public key.
        public var key: IdentityPublicKey
        /// The tags it holds, sorted.
        public var tags: [String]
        /// When its key stops being accepted unless the node rotates it.
        public var keyExpiry: Time

        /// The node `id` named `name`, with `key`, `tags` (sorted here) and `keyExpiry`.
        public init(id: NodeID, name: String, key: IdentityPublicKey, tags: [String], keyExpiry: Time) {
            self.id = id
            self.name = name
            self.key = key
            self.tags = tags.sorted(by: NetmapJSONWriter.utf8Order)
            self.keyExpiry = keyExpiry
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, name, key, tags, keyExpiry
        }

        public init(from decoder: any Decoder) throws {
            try NetmapCoding.rejectUnknownFields(decoder, known: CodingKeys.allCases)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try NetmapCoding.decode(NodeID.self, c, .id)
            name = try c.decode(String.self, forKey: .name)
            key = try NetmapCoding.decodeKey(c, .key)
            tags = try c.decode([String].self, forKey: .tags)
            keyExpiry = try NetmapCoding.decode(Time.self, c, .keyExpiry)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(key.text, forKey: .key)
            try c.encode(tags, forKey: .tags)
            try c.encode(keyExpiry, forKey: .keyExpiry)
        }
    }
}
