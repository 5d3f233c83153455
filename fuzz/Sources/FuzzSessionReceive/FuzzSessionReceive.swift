import MeshCrypto
import MeshTransport
import MeshWire

/// A fixed address type for the harness.
struct FuzzAddress: TransportAddress {
    var port: UInt16
    var cookieBytes: [UInt8] { [127, 0, 0, 1, UInt8(port >> 8), UInt8(port & 0xff)] }
    var description: String { "127.0.0.1:\(port)" }
}

/// Deterministic bytes for keys, so runs are reproducible.
struct CounterRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        return z ^ (z >> 27)
    }
}

/// The whole receive path of a responder that allows one peer (the worked example's
/// initiator, whose messages seed the corpus), under arbitrary datagrams. The first byte
/// picks the source port and whether the node is under load; the rest is one or more
/// datagrams separated by the 4-byte marker "MMSP". Invariants: no trap, and nothing is
/// delivered from bytes the peer did not encrypt.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let control = bytes[0]
    let responder = try! IdentitySecretKey(seed: SecretBytes((0..<32).map { UInt8(0x20 + $0) }))
    let initiator = try! IdentitySecretKey(seed: SecretBytes((0..<32).map { UInt8($0) }))
    let config = SessionConfig(underLoadThreshold: control & 0x80 != 0 ? 0 : 64, wallClockAtZero: 1_764_000_000_000_000_000)
    var manager = SessionManager<FuzzAddress>(identity: responder, config: config, rng: CounterRandom(state: 1))
    try! manager.addPeer(initiator.publicKey, endpoint: FuzzAddress(port: 51820))
    var actions: [SessionAction<FuzzAddress>] = []
    var now = Instant(nanoseconds: 1_000_000_000)
    for datagram in split(Array(bytes.dropFirst())) {
        manager.receive(datagram, from: FuzzAddress(port: UInt16(control & 0x7f) + 51800), now: now, into: &actions)
        now += .milliseconds(60)
        manager.tick(now: now, into: &actions)
    }
    for a in actions {
        if case .deliver = a { preconditionFailure("delivered data no peer encrypted") }
    }
    return 0
}

func split(_ b: [UInt8]) -> [[UInt8]] {
    let marker: [UInt8] = Array("MMSP".utf8)
    var out: [[UInt8]] = []
    var current: [UInt8] = []
    var i = 0
    while i < b.count {
        if i + 4 <= b.count, Array(b[i..<(i + 4)]) == marker {
            out.append(current)
            current = []
            i += 4
        } else {
            current.append(b[i])
            i += 1
        }
        if out.count >= 16 { break }
    }
    out.append(current)
    return out
}
