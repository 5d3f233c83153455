import MeshSim
import MeshStream
import MeshWire

/// Two stream connections joined by a `SimNetwork`, each datagram prefixed with its packet
/// number (8 bytes, big-endian) the way the session's counter would travel. Packet numbers
/// come from a per-direction counter starting at 0; a duplicated datagram arrives with the
/// same number.
struct SimLink {
    static let addressA = SimAddress(host: 0x0a00_0001, port: 51820)
    static let addressB = SimAddress(host: 0x0a00_0002, port: 51820)

    var net: SimNetwork
    var a: StreamConnection
    var b: StreamConnection
    var nextPacketA: UInt64 = 0
    var nextPacketB: UInt64 = 0
    /// Largest datagram payload seen in each direction.
    var largestPayload = 0

    init(seed: UInt64, conditions: SimConditions, configA: StreamConfig = StreamConfig(),
         configB: StreamConfig = StreamConfig()) {
        net = SimNetwork(seed: seed, conditions: conditions)
        a = StreamConnection(role: .initiator, config: configA, now: net.now)
        b = StreamConnection(role: .responder, config: configB, now: net.now)
    }

    var now: Instant { net.now }

    /// Sends everything both connections have to send now.
    mutating func flush() {
        while let payload = a.nextDatagram(packetNumber: nextPacketA, now: net.now) {
            largestPayload = max(largestPayload, payload.count)
            net.send(SimLink.frame(nextPacketA, payload), from: SimLink.addressA, to: SimLink.addressB)
            nextPacketA += 1
        }
        while let payload = b.nextDatagram(packetNumber: nextPacketB, now: net.now) {
            largestPayload = max(largestPayload, payload.count)
            net.send(SimLink.frame(nextPacketB, payload), from: SimLink.addressB, to: SimLink.addressA)
            nextPacketB += 1
        }
    }

    /// Handles the next delivery or timer due no later than `deadline`; false when there is
    /// none (both sides idle and nothing in flight, or the next event is later).
    mutating func step(until deadline: Instant) -> Bool {
        flush()
        let times = [net.nextDelivery, a.nextTimeout, b.nextTimeout].compactMap { $0 }
        guard let t = times.min(), t <= deadline else { return false }
        if let delivery = net.nextDelivery, delivery <= t, let d = net.deliverNext(notAfter: t) {
            let (pn, payload) = SimLink.unframe(d.bytes)
            if d.to == SimLink.addressB {
                b.receive(payload, packetNumber: pn, now: net.now)
            } else {
                a.receive(payload, packetNumber: pn, now: net.now)
            }
        } else {
            net.advance(to: t)
            if let ta = a.nextTimeout, ta <= net.now { a.handleTimeout(now: net.now) }
            if let tb = b.nextTimeout, tb <= net.now { b.handleTimeout(now: net.now) }
        }
        flush()
        return true
    }

    static func frame(_ pn: UInt64, _ payload: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(8 + payload.count)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: pn >> UInt64(shift))) }
        out.append(contentsOf: payload)
        return out
    }

    static func unframe(_ bytes: [UInt8]) -> (UInt64, [UInt8]) {
        var pn: UInt64 = 0
        for i in 0..<8 { pn = pn << 8 | UInt64(bytes[i]) }
        return (pn, Array(bytes[8...]))
    }
}

/// The byte at `offset` of the test stream `id`: cheap to recompute, different per stream.
@inline(__always)
func expectedByte(stream id: StreamID, offset: Int, salt: UInt64) -> UInt8 {
    var x = (UInt64(truncatingIfNeeded: offset) &+ (id.rawValue &* 0x9E37_79B9_7F4A_7C15)) ^ salt
    x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9
    return UInt8(truncatingIfNeeded: x ^ (x >> 29))
}

func expectedBytes(stream id: StreamID, range: Range<Int>, salt: UInt64) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: range.count) { buffer, count in
        var i = 0
        for offset in range.lowerBound..<range.upperBound {
            buffer[i] = expectedByte(stream: id, offset: offset, salt: salt)
            i += 1
        }
        count = range.count
    }
}

/// Whether `bytes` are the test stream's bytes from `offset` on.
func matchesExpected(_ bytes: [UInt8], stream id: StreamID, offset: Int, salt: UInt64) -> Bool {
    bytes.withUnsafeBufferPointer { buffer in
        for i in 0..<buffer.count where buffer[i] != expectedByte(stream: id, offset: offset + i, salt: salt) {
            return false
        }
        return true
    }
}
