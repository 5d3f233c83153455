/// One token of a Noise message pattern (Noise spec §7).
public enum Token: Sendable, Equatable {
    case e, s, ee, es, se, ss, psk
}

/// A handshake pattern: pre-messages and message token lists, with any `pskN` modifiers
/// already applied (Noise spec §7 and §9).
public struct HandshakePattern: Sendable, Equatable {
    public let name: String
    /// Tokens the initiator's and responder's pre-messages carry (`s` only, here).
    public let initiatorPreMessage: [Token]
    public let responderPreMessage: [Token]
    /// Message token lists in order; even indices are the initiator's.
    public let messages: [[Token]]
    /// True when any `psk` modifier is present (the `e` token then also calls MixKey).
    public var usesPSK: Bool { messages.contains { $0.contains(.psk) } }

    /// Looks up a base pattern (`IK`, `XX`, `N` …) and applies modifiers (`psk0`, `psk2` …).
    public static func named(_ full: String) -> HandshakePattern? {
        // Split "IKpsk1+psk2" into base "IK" and modifiers.
        let base = String(full.prefix { $0.isUppercase })
        guard let (pre, msgs) = baseTable[base] else { return nil }
        let modifierText = full.dropFirst(base.count)
        var messages = msgs
        if !modifierText.isEmpty {
            for m in modifierText.split(separator: "+", omittingEmptySubsequences: false) {
                guard m.hasPrefix("psk"), let n = Int(m.dropFirst(3)), String(n) == m.dropFirst(3) else { return nil }
                if n == 0 {
                    messages[0].insert(.psk, at: 0)
                } else {
                    guard n <= messages.count else { return nil }
                    messages[n - 1].append(.psk)
                }
            }
        }
        return HandshakePattern(name: full, initiatorPreMessage: pre.0, responderPreMessage: pre.1, messages: messages)
    }

    public var isOneWay: Bool { ["N", "K", "X"].contains(String(name.prefix { $0.isUppercase })) }

    // Noise spec §7.4 (one-way) and §7.5 (interactive).
    private static let baseTable: [String: (([Token], [Token]), [[Token]])] = [
        "N": (([], [.s]), [[.e, .es]]),
        "K": (([.s], [.s]), [[.e, .es, .ss]]),
        "X": (([], [.s]), [[.e, .es, .s, .ss]]),
        "NN": (([], []), [[.e], [.e, .ee]]),
        "NK": (([], [.s]), [[.e, .es], [.e, .ee]]),
        "NX": (([], []), [[.e], [.e, .ee, .s, .es]]),
        "KN": (([.s], []), [[.e], [.e, .ee, .se]]),
        "KK": (([.s], [.s]), [[.e, .es, .ss], [.e, .ee, .se]]),
        "KX": (([.s], []), [[.e], [.e, .ee, .se, .s, .es]]),
        "XN": (([], []), [[.e], [.e, .ee], [.s, .se]]),
        "XK": (([], [.s]), [[.e, .es], [.e, .ee], [.s, .se]]),
        "XX": (([], []), [[.e], [.e, .ee, .s, .es], [.s, .se]]),
        "IN": (([], []), [[.e, .s], [.e, .ee, .se]]),
        "IK": (([], [.s]), [[.e, .es, .s, .ss], [.e, .ee, .se]]),
        "IX": (([], []), [[.e, .s], [.e, .ee, .se, .s, .es]]),
    ]
}

/// A parsed protocol name such as `Noise_IK_25519_ChaChaPoly_BLAKE2b`. Only the
/// 25519 / ChaChaPoly / BLAKE2b suite is implemented.
public struct ProtocolName: Sendable, Equatable {
    public let text: String
    public let pattern: HandshakePattern

    public init(_ text: String) throws(NoiseError) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "Noise" else {
            throw .unsupportedProtocol(text, reason: "expected Noise_PATTERN_DH_CIPHER_HASH")
        }
        guard parts[2] == "25519" else { throw .unsupportedProtocol(text, reason: "only the 25519 DH function is supported") }
        guard parts[3] == "ChaChaPoly" else { throw .unsupportedProtocol(text, reason: "only the ChaChaPoly cipher is supported") }
        guard parts[4] == "BLAKE2b" else { throw .unsupportedProtocol(text, reason: "only the BLAKE2b hash is supported") }
        guard let p = HandshakePattern.named(String(parts[1])) else {
            throw .unsupportedProtocol(text, reason: "unknown handshake pattern \"\(parts[1])\"")
        }
        self.text = text
        self.pattern = p
    }

    /// The protocol name used by mcpmesh sessions.
    public static let mcpmesh = try! ProtocolName("Noise_IK_25519_ChaChaPoly_BLAKE2b")
}
