import MeshCrypto

extension Netmap {
    /// The coordinator that signed the netmap and where nodes reach it.
    public struct Coordinator: Hashable, Sendable, Codable {
        /// Its identity public key: the key the node pinned from its join key.
        public var key: IdentityPublicKey
        /// Where to reach it, in order of preference.
        public var endpoints: [HostPort]

        /// A coordinator with `key`, reachable at `endpoints`.
        public init(key: IdentityPublicKey, endpoints: [HostPort]) {
            self.key = key
            self.endpoints = endpoints
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case key, endpoints
        }

        public init(from decoder: any Decoder) throws {
            try NetmapCoding.rejectUnknownFields(decoder, known: CodingKeys.allCases)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try NetmapCoding.decodeKey(c, .key)
            endpoints = try NetmapCoding.decodeEndpoints(c, .endpoints)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(key.text, forKey: .key)
            try c.encode(endpoints.map(\.description), forKey: .endpoints)
        }
    }
}
