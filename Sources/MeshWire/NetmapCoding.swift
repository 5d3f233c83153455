import MeshCrypto

/// Helpers shared by the netmap types' strict decoders: unknown fields and malformed keys
/// or endpoints become `Netmap.DecodingError`s naming the path.
enum NetmapCoding {
    /// Any object key, for listing the keys an object actually has.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    /// Throws `.unknownField` for the first key (in sorted order) of the object at
    /// `decoder` that is not in `known`.
    static func rejectUnknownFields<K: CodingKey>(_ decoder: any Decoder, known: [K]) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        let names = Set(known.map(\.stringValue))
        if let extra = all.allKeys.map(\.stringValue).sorted().first(where: { !names.contains($0) }) {
            throw Netmap.DecodingError.unknownField(path: decoder.codingPath + [AnyKey(extra)])
        }
    }

    /// `c.decode(type, forKey: key)`, except that a number the decoder cannot represent
    /// (negative, fractional or too large for the field) is reported at its path: Foundation
    /// reports it as invalid JSON without one.
    static func decode<T: Decodable, K: CodingKey>(_ type: T.Type, _ c: KeyedDecodingContainer<K>, _ key: K) throws -> T {
        do {
            return try c.decode(type, forKey: key)
        } catch let error as Netmap.DecodingError {
            throw error
        } catch let error as Swift.DecodingError {
            guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty else { throw error }
            throw Netmap.DecodingError.invalidValue(path: c.codingPath + [key], reason: notRepresentable)
        } catch {
            throw Netmap.DecodingError.invalidValue(path: c.codingPath + [key], reason: notRepresentable)
        }
    }

    static let notRepresentable = "it is not a whole number in the range this field allows"

    /// An identity key in its `mpk:` text form.
    static func decodeKey<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> IdentityPublicKey {
        let text = try c.decode(String.self, forKey: key)
        do {
            return try IdentityPublicKey(text: text)
        } catch {
            throw Netmap.DecodingError.invalidValue(path: c.codingPath + [key], reason: error.description)
        }
    }

    /// A list of `host:port` strings.
    static func decodeEndpoints<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> [HostPort] {
        let texts = try c.decode([String].self, forKey: key)
        return try texts.enumerated().map { i, text in
            guard let endpoint = HostPort(text) else {
                throw Netmap.DecodingError.invalidValue(path: c.codingPath + [key, Index(i)],
                                                        reason: "\"\(text)\" is not host:port")
            }
            return endpoint
        }
    }

    /// An object keyed by peer identity keys, each value an object of server → tool globs.
    static func decodeAccess<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws
        -> [IdentityPublicKey: Netmap.ServerTools] {
        let byText = try c.nestedContainer(keyedBy: AnyKey.self, forKey: key)
        var result: [IdentityPublicKey: Netmap.ServerTools] = [:]
        for text in byText.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            let path = c.codingPath + [key, text]
            let peer: IdentityPublicKey
            do { peer = try IdentityPublicKey(text: text.stringValue) } catch {
                throw Netmap.DecodingError.invalidValue(path: path, reason: error.description)
            }
            guard result[peer] == nil else {
                throw Netmap.DecodingError.invalidValue(path: path, reason: "the same peer key is listed twice")
            }
            result[peer] = try byText.decode(Netmap.ServerTools.self, forKey: text)
        }
        return result
    }

    /// Encodes an access map with the keys in text form.
    static func encodeAccess<K: CodingKey>(_ access: [IdentityPublicKey: Netmap.ServerTools],
                                           _ c: inout KeyedEncodingContainer<K>, _ key: K) throws {
        var byText: [String: Netmap.ServerTools] = [:]
        byText.reserveCapacity(access.count)
        for (peer, servers) in access { byText[peer.text] = servers }
        try c.encode(byText, forKey: key)
    }

    /// A list position in a coding path.
    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "Index \(intValue ?? 0)" }
        init(_ i: Int) { intValue = i }
        init?(stringValue: String) { return nil }
        init?(intValue: Int) { self.intValue = intValue }
    }
}
