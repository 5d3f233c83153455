import MeshCrypto
import MeshSim
import MeshWire
@testable import MeshTransport

extension SimAddress: TransportAddress {
    public var cookieBytes: [UInt8] {
        [UInt8(host >> 24), UInt8(host >> 16 & 0xff), UInt8(host >> 8 & 0xff), UInt8(host & 0xff),
         UInt8(port >> 8), UInt8(port & 0xff)]
    }
}

/// One simulated node: a sessions core at an address, and what it observed.
struct SimNode {
    var manager: SessionManager<SimAddress>
    var address: SimAddress
    let identity: IdentitySecretKey
    var delivered: [(from: IdentityPublicKey, payload: [UInt8], counter: UInt64)] = []
    var completed: [(IdentityPublicKey, Bool)] = []
    var endpointChanges: [(IdentityPublicKey, SimAddress)] = []
    var restarts: [IdentityPublicKey] = []
    var failures: [IdentityPublicKey] = []
    var transmitted = 0

    var publicKey: IdentityPublicKey { identity.publicKey }
}

/// Drives several sessions cores over one `SimNetwork`, in time order, deterministically.
struct Harness {
    var net: SimNetwork
    var nodes: [SimNode] = []
    var rng: SimRandom
    /// Datagrams every node sent, for replay and tamper tests.
    var wire: [SimDatagram] = []
    var recordWire = false

    init(seed: UInt64, conditions: SimConditions = .perfect, wallClock: UInt64 = 1_764_000_000_000_000_000) {
        net = SimNetwork(seed: seed, conditions: conditions)
        rng = SimRandom(seed: seed ^ 0x5eed)
        self.wallClock = wallClock
    }

    let wallClock: UInt64

    /// Adds a node with a fresh identity; `underLoadThreshold` as given.
    @discardableResult
    mutating func addNode(host: UInt32, underLoadThreshold: Int = SessionConstants.underLoadHandshakeThreshold) -> Int {
        let id = IdentitySecretKey.generate(using: &rng)
        let config = SessionConfig(underLoadThreshold: underLoadThreshold, wallClockAtZero: wallClock)
        let mgr = SessionManager<SimAddress>(identity: id, config: config, rng: rng.fork())
        nodes.append(SimNode(manager: mgr, address: SimAddress(host: host, port: 51820), identity: id))
        return nodes.count - 1
    }

    /// Replaces node `i`'s core with a fresh one of the same identity (a restart).
    mutating func restart(_ i: Int) {
        let config = nodes[i].manager.config
        let peers = nodes[i].manager.peerIdentities
        var mgr = SessionManager<SimAddress>(identity: nodes[i].identity, config: config, rng: rng.fork())
        for p in peers {
            let ep = nodes.first { $0.publicKey == p }?.address
            try! mgr.addPeer(p, endpoint: ep)
        }
        nodes[i].manager = mgr
    }

    /// Lets `a` and `b` talk, each knowing the other's address.
    mutating func connect(_ a: Int, _ b: Int) {
        try! nodes[a].manager.addPeer(nodes[b].publicKey, endpoint: nodes[b].address)
        try! nodes[b].manager.addPeer(nodes[a].publicKey, endpoint: nodes[a].address)
    }

    var now: Instant { net.now }

    mutating func apply(_ i: Int, _ actions: [SessionAction<SimAddress>]) {
        for a in actions {
            switch a {
            case .transmit(let bytes, let to):
                nodes[i].transmitted += 1
                if recordWire { wire.append(SimDatagram(from: nodes[i].address, to: to, bytes: bytes, arrival: now)) }
                net.send(bytes, from: nodes[i].address, to: to)
            case .deliver(let p, let from, let counter):
                nodes[i].delivered.append((from, p, counter))
            case .handshakeCompleted(let peer, let asInitiator):
                nodes[i].completed.append((peer, asInitiator))
            case .endpointChanged(let peer, let addr):
                nodes[i].endpointChanges.append((peer, addr))
            case .peerRestarted(let peer):
                nodes[i].restarts.append(peer)
            case .handshakeFailed(let peer):
                nodes[i].failures.append(peer)
            }
        }
    }

    mutating func send(_ payload: [UInt8], from a: Int, to b: Int) {
        var actions: [SessionAction<SimAddress>] = []
        try! nodes[a].manager.send(payload, to: nodes[b].publicKey, now: now, into: &actions)
        apply(a, actions)
    }

    /// Injects raw bytes as if sent from `from` to node `to`.
    mutating func inject(_ bytes: [UInt8], from: SimAddress, to b: Int) {
        net.send(bytes, from: from, to: nodes[b].address)
    }

    /// Runs deliveries and timers in time order until `deadline`.
    mutating func run(until deadline: Instant) {
        while true {
            let nextTimer = nodes.indices.compactMap { nodes[$0].manager.nextDeadline }.min()
            let nextPacket = net.nextDelivery
            let next = [nextTimer, nextPacket].compactMap { $0 }.min()
            guard let t = next, t <= deadline else { break }
            if let p = nextPacket, p == t, let d = net.deliverNext(notAfter: t) {
                guard let i = nodes.firstIndex(where: { $0.address == d.to }) else { continue }
                var actions: [SessionAction<SimAddress>] = []
                nodes[i].manager.receive(d.bytes, from: d.from, now: now, into: &actions)
                apply(i, actions)
            } else {
                net.advance(to: t)
                for i in nodes.indices {
                    if let dl = nodes[i].manager.nextDeadline, dl <= now {
                        var actions: [SessionAction<SimAddress>] = []
                        nodes[i].manager.tick(now: now, into: &actions)
                        apply(i, actions)
                    }
                }
            }
        }
        net.advance(to: deadline)
    }

    mutating func run(for d: Duration) { run(until: now + d) }
}
