import Foundation

/// Base64url without padding (RFC 4648 §5), for strings people paste (join keys).
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Nil unless `text` is canonical unpadded base64url: no padding, and no set bits in
    /// the unused low bits of the last character (so each byte string has exactly one
    /// text form, and a changed last character never decodes to the same bytes).
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ c in
            (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f
        }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard s.count % 4 != 1 else { return nil }
        s += String(repeating: "=", count: (4 - s.count % 4) % 4)
        guard let bytes = Data(base64Encoded: s).map({ Array($0) }), encode(bytes) == text else { return nil }
        return bytes
    }
}
