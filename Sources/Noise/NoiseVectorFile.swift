import Foundation
import MeshCrypto

/// One test vector of the Noise test-vector JSON format (the cacophony/snow format:
/// `{"vectors": [...]}` with hex fields; see ../shared/noise-vectors/README.md).
public struct NoiseVector: Sendable {
    public struct Message: Sendable {
        public var payload: [UInt8]
        public var ciphertext: [UInt8]
    }

    /// Position in the file's `vectors` array, from 0.
    public var index: Int
    public var protocolName: String
    public var initPrologue: [UInt8] = []
    public var respPrologue: [UInt8] = []
    public var initStatic: [UInt8]?
    public var respStatic: [UInt8]?
    public var initEphemeral: [UInt8]?
    public var respEphemeral: [UInt8]?
    public var initRemoteStatic: [UInt8]?
    public var respRemoteStatic: [UInt8]?
    public var initPSKs: [[UInt8]] = []
    public var respPSKs: [[UInt8]] = []
    public var handshakeHash: [UInt8]?
    public var messages: [Message] = []
}

/// A malformed vector file: `location` names where (a JSON path, or line:column for a
/// syntax error) and `problem` what.
public struct NoiseVectorFileError: Error, CustomStringConvertible, Equatable {
    public var location: String
    public var problem: String
    public var description: String { "\(location): \(problem)" }
}

public enum NoiseVectorFile {
    static let knownFields: Set<String> = [
        "protocol_name", "init_prologue", "resp_prologue", "init_static", "resp_static",
        "init_ephemeral", "resp_ephemeral", "init_remote_static", "resp_remote_static",
        "init_psks", "resp_psks", "handshake_hash", "messages",
    ]

    /// Parses a whole file. Every structural problem is reported with where it is.
    public static func parse(_ data: [UInt8]) throws(NoiseVectorFileError) -> [NoiseVector] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(data), options: [.fragmentsAllowed])
        } catch {
            throw NoiseVectorFileError(location: syntaxLocation(error, data), problem: "not valid JSON (\(syntaxReason(error)))")
        }
        guard let top = root as? [String: Any] else {
            throw NoiseVectorFileError(location: "top level", problem: "expected an object with a \"vectors\" array")
        }
        guard let list = top["vectors"] else {
            throw NoiseVectorFileError(location: "top level", problem: "missing the \"vectors\" array")
        }
        guard let vectors = list as? [Any] else {
            throw NoiseVectorFileError(location: "vectors", problem: "expected an array")
        }
        var out: [NoiseVector] = []
        for (i, item) in vectors.enumerated() {
            out.append(try parseVector(item, index: i))
        }
        return out
    }

    private static func parseVector(_ item: Any, index i: Int) throws(NoiseVectorFileError) -> NoiseVector {
        let at = "vectors[\(i)]"
        guard let obj = item as? [String: Any] else {
            throw NoiseVectorFileError(location: at, problem: "expected an object")
        }
        for key in obj.keys.sorted() where !knownFields.contains(key) {
            throw NoiseVectorFileError(location: "\(at).\(key)", problem: "unknown field")
        }
        guard let name = obj["protocol_name"] else {
            throw NoiseVectorFileError(location: at, problem: "missing \"protocol_name\"")
        }
        guard let nameText = name as? String else {
            throw NoiseVectorFileError(location: "\(at).protocol_name", problem: "expected a string")
        }
        var v = NoiseVector(index: i, protocolName: nameText)
        func hex(_ key: String, required: Bool = false) throws(NoiseVectorFileError) -> [UInt8]? {
            guard let value = obj[key] else {
                if required { throw NoiseVectorFileError(location: at, problem: "missing \"\(key)\"") }
                return nil
            }
            return try decodeHex(value, at: "\(at).\(key)")
        }
        func hexList(_ key: String) throws(NoiseVectorFileError) -> [[UInt8]] {
            guard let value = obj[key] else { return [] }
            guard let arr = value as? [Any] else {
                throw NoiseVectorFileError(location: "\(at).\(key)", problem: "expected an array of hex strings")
            }
            var out: [[UInt8]] = []
            for (j, x) in arr.enumerated() { out.append(try decodeHex(x, at: "\(at).\(key)[\(j)]")) }
            return out
        }
        v.initPrologue = try hex("init_prologue") ?? []
        v.respPrologue = try hex("resp_prologue") ?? []
        v.initStatic = try hex("init_static")
        v.respStatic = try hex("resp_static")
        v.initEphemeral = try hex("init_ephemeral")
        v.respEphemeral = try hex("resp_ephemeral")
        v.initRemoteStatic = try hex("init_remote_static")
        v.respRemoteStatic = try hex("resp_remote_static")
        v.initPSKs = try hexList("init_psks")
        v.respPSKs = try hexList("resp_psks")
        v.handshakeHash = try hex("handshake_hash")
        for (key, value) in [("init_static", v.initStatic), ("resp_static", v.respStatic),
                             ("init_ephemeral", v.initEphemeral), ("resp_ephemeral", v.respEphemeral),
                             ("init_remote_static", v.initRemoteStatic), ("resp_remote_static", v.respRemoteStatic)] {
            if let value, value.count != 32 {
                throw NoiseVectorFileError(location: "\(at).\(key)", problem: "expected 32 bytes, got \(value.count)")
            }
        }
        for (key, list) in [("init_psks", v.initPSKs), ("resp_psks", v.respPSKs)] {
            for (j, psk) in list.enumerated() where psk.count != 32 {
                throw NoiseVectorFileError(location: "\(at).\(key)[\(j)]", problem: "expected 32 bytes, got \(psk.count)")
            }
        }
        guard let msgs = obj["messages"] else {
            throw NoiseVectorFileError(location: at, problem: "missing \"messages\"")
        }
        guard let msgList = msgs as? [Any] else {
            throw NoiseVectorFileError(location: "\(at).messages", problem: "expected an array")
        }
        for (j, m) in msgList.enumerated() {
            let mat = "\(at).messages[\(j)]"
            guard let mo = m as? [String: Any] else { throw NoiseVectorFileError(location: mat, problem: "expected an object") }
            for key in mo.keys.sorted() where key != "payload" && key != "ciphertext" {
                throw NoiseVectorFileError(location: "\(mat).\(key)", problem: "unknown field")
            }
            guard let p = mo["payload"] else { throw NoiseVectorFileError(location: mat, problem: "missing \"payload\"") }
            guard let c = mo["ciphertext"] else { throw NoiseVectorFileError(location: mat, problem: "missing \"ciphertext\"") }
            v.messages.append(.init(payload: try decodeHex(p, at: "\(mat).payload"),
                                    ciphertext: try decodeHex(c, at: "\(mat).ciphertext")))
        }
        return v
    }

    private static func decodeHex(_ value: Any, at location: String) throws(NoiseVectorFileError) -> [UInt8] {
        guard let s = value as? String else {
            throw NoiseVectorFileError(location: location, problem: "expected a hex string")
        }
        do {
            return try Hex.decodeOrThrow(s)
        } catch {
            throw NoiseVectorFileError(location: location, problem: "not hex: \(error.description)")
        }
    }

    private static func syntaxReason(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "malformed"
    }

    /// Turns Foundation's "around character N" into line:column.
    private static func syntaxLocation(_ error: Error, _ data: [UInt8]) -> String {
        let reason = syntaxReason(error)
        guard let r = reason.range(of: "character "),
              let n = Int(reason[r.upperBound...].prefix { $0.isNumber }) else {
            return data.isEmpty ? "line 1:1" : "end of file"
        }
        var line = 1, column = 1
        for b in data.prefix(n) {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return "line \(line):\(column)"
    }
}
