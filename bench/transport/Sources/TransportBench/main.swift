import Foundation
import MeshCrypto
import MeshTransport
import MeshWire

/// Seconds on the monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs `body` in rounds until about `seconds` have passed; returns operations per second.
func rate(seconds: Double = 1.0, batch: Int, _ body: () -> Void) -> Double {
    var ops = 0
    let start = now()
    while now() - start < seconds {
        for _ in 0..<batch { body() }
        ops += batch
    }
    return Double(ops) / (now() - start)
}

struct BenchAddress: TransportAddress {
    var port: UInt16
    var cookieBytes: [UInt8] { [127, 0, 0, 1, UInt8(port >> 8), UInt8(port & 0xff)] }
    var description: String { "127.0.0.1:\(port)" }
}

// 1. ChaCha20-Poly1305 on one core, default datagram payload (1,200 bytes) in place.
let payload = 1200
var rng = SystemRandom()
let key = SymmetricKey.generate(using: &rng)
var buffer = [UInt8](repeating: 7, count: payload + 16)
var counter: UInt64 = 0
let sealRate = buffer.withUnsafeMutableBytes { buf in
    rate(batch: 1000) {
        ChaChaPoly.sealInPlace(key: key, counter: counter, ad: UnsafeRawBufferPointer(start: nil, count: 0),
                               buffer: buf, plaintextCount: payload)
        counter &+= 1
    }
}

// 2. X25519: one scalar multiplication with a fixed secret and varying points.
let secret = SecretBytes((0..<32).map { UInt8($0) })
let points = (0..<64).map { _ in X25519.publicKey(of: SecretBytes(rng.bytes(32))) }
var pi = 0
let x25519Rate = rate(batch: 200) {
    _ = try? X25519.sharedSecret(secret, points[pi & 63])
    pi += 1
}

// 3. Responder handshakes: initiations prepared in advance (each from a fresh initiator
// core, 60 ms apart on the injected clock so neither the timestamp check nor the
// per-peer rate limit refuses them), then consumed by one responder core on one thread.
let responderId = IdentitySecretKey.generate()
let initiatorId = IdentitySecretKey.generate()
let wall: UInt64 = 1_800_000_000_000_000_000
var initiations: [[UInt8]] = []
let count = 3000
for i in 0..<count {
    var ini = SessionManager<BenchAddress>(identity: initiatorId, config: SessionConfig(wallClockAtZero: wall))
    try! ini.addPeer(responderId.publicKey, endpoint: BenchAddress(port: 1))
    var actions: [SessionAction<BenchAddress>] = []
    try! ini.send([1], to: responderId.publicKey, now: Instant(nanoseconds: UInt64(i) * 60_000_000 + 1), into: &actions)
    guard case .transmit(let bytes, _)? = actions.first else { fatalError("no initiation") }
    initiations.append(bytes)
}
var responder = SessionManager<BenchAddress>(identity: responderId,
                                             config: SessionConfig(underLoadThreshold: .max, wallClockAtZero: wall))
try! responder.addPeer(initiatorId.publicKey, endpoint: BenchAddress(port: 2))
var out: [SessionAction<BenchAddress>] = []
out.reserveCapacity(4)
let hsStart = now()
for (i, m) in initiations.enumerated() {
    out.removeAll(keepingCapacity: true)
    responder.receive(m, from: BenchAddress(port: 2), now: Instant(nanoseconds: UInt64(i) * 60_000_000 + 2), into: &out)
}
let hsRate = Double(count) / (now() - hsStart)
guard responder.stats.dropped == 0 else { fatalError("responder dropped initiations: \(responder.stats)") }

// A responder handshake costs 5 X25519 operations: es and ss to read message 1; the
// ephemeral key, ee and se to write message 2.
let bound = x25519Rate / 5
func f(_ x: Double, _ d: Int = 0) -> String { String(format: "%.\(d)f", x) }
print("| crypto and handshakes, one core | figure |")
print("|---|---|")
print("| ChaCha20-Poly1305 seal, 1,200-byte payloads in place | \(f(sealRate * Double(payload) / 1e6)) MB/s (\(f(sealRate)) packets/s) |")
print("| X25519, one scalar multiplication | \(f(1e6 / x25519Rate, 1)) µs (\(f(x25519Rate)) ops/s) |")
print("| X25519 bound for a responder handshake (5 operations) | \(f(bound)) handshakes/s |")
print("| responder handshakes (SessionManager.receive of an initiation) | \(f(hsRate)) handshakes/s = \(f(100 * hsRate / bound))% of the bound |")
