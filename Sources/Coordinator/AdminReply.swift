import Foundation

/// One line on the admin socket from the server: `{"v":1,"id":7,"ok":true,"result":{…}}` or
/// `{"v":1,"id":7,"ok":false,"error":{"code":"not_found","message":"…"}}`.
public struct AdminReply<Result: Codable & Sendable>: Codable, Sendable {
    public var v: Int
    public var id: Int64?
    public var ok: Bool
    public var result: Result?
    public var error: AdminFailure?

    public static func success(_ result: Result, id: Int64?) -> AdminReply {
        AdminReply(v: AdminRequest.protocolVersion, id: id, ok: true, result: result, error: nil)
    }

    public static func failure(_ error: AdminFailure, id: Int64?) -> AdminReply {
        AdminReply(v: AdminRequest.protocolVersion, id: id, ok: false, result: nil, error: error)
    }

    /// The result, or the server's failure thrown.
    public func get() throws(AdminFailure) -> Result {
        if ok, let result { return result }
        throw error ?? AdminFailure(code: .badRequest, message: "the reply says neither a result nor an error")
    }
}

/// The JSON conventions of the admin socket: snake_case keys, ISO 8601 times, sorted keys,
/// one line per message.
enum AdminJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// `value` as one line of JSON with its newline. (JSON text never holds a raw newline.)
    static func line(_ value: some Encodable) -> [UInt8] {
        do {
            var bytes = Array(try encoder().encode(value))
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        } catch {
            let message = "the server could not encode its reply: \(error)".replacingOccurrences(of: "\"", with: "'")
            return Array("{\"error\":{\"code\":\"internal\",\"message\":\"\(message)\"},\"ok\":false,\"v\":1}\n".utf8)
        }
    }

    /// A short reason for a decoding error.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let keys = (context.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the value" : "\"" + keys.joined(separator: ".") + "\""
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context, key)) is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null where a \(type) is needed"
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as NSError? {
                return "it is not valid JSON (\(underlying.localizedDescription))"
            }
            return "\(path(context)) is not valid: \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }
}
