import Dispatch
import MeshCrypto
import MeshWire
import Policy

/// Building, encoding and signing netmaps.
///
/// A build has two parts. Preparing (serial, on the builder) checks each node and picks its
/// version. Sealing (`NetmapSeal`) computes the node's view if the builder has none cached,
/// assembles the netmap from the view and the peer records, writes its JSON from the pieces
/// written when the views and records were made, and signs it. Sealing reads only
/// immutable values, so the netmaps of a batch are sealed on every core at once; the views
/// it computed are cached afterwards.
extension NetmapBuilder {
    /// Builds, encodes once and signs the netmap for `id`, stamped `now`, with the next
    /// version after the last one issued to that node.
    public mutating func build(for id: Netmap.NodeID, now: Netmap.Time) throws(ControlError) -> SignedNetmap {
        try build(for: id, now: now, version: lastVersion(of: id) &+ 1)
    }

    /// Builds the netmap for `id` with an explicit `version` (for a coordinator that takes
    /// versions from its registry first); it must be above the last one issued.
    public mutating func build(for id: Netmap.NodeID, now: Netmap.Time, version: UInt64) throws(ControlError) -> SignedNetmap {
        try build(for: [id], now: now, versions: [id: version])[0]
    }

    /// Builds the netmaps of `ids`, stamped `now`, sorted by node id: what a change returns
    /// is built in one call. A node's version is `versions[id]` if given (from the registry;
    /// it must be above the last one issued), else the next after the last one issued.
    ///
    /// Every id is checked before anything is built: if one is unknown, expired or given a
    /// version that does not increase, this throws and no version is used up. The netmaps
    /// are the same bytes `build(for:now:version:)` gives one at a time. A batch is sealed
    /// on the calling thread and Dispatch's worker threads together, one per core, the
    /// largest netmaps first: Ed25519 over each netmap's bytes is most of the cost of
    /// building it, and the netmaps are independent.
    public mutating func build(for ids: Set<Netmap.NodeID>, now: Netmap.Time,
                               versions: [Netmap.NodeID: UInt64] = [:]) throws(ControlError) -> [SignedNetmap] {
        var jobs: [NetmapJob] = []
        jobs.reserveCapacity(ids.count)
        for id in ids.sorted() {
            jobs.append(try prepare(id, version: versions[id] ?? lastVersion(of: id) &+ 1))
        }
        let seal = NetmapSeal(self, now: now)
        let sealed = seal.sealAll(jobs)
        var signed: [SignedNetmap] = []
        signed.reserveCapacity(sealed.count)
        for (job, result) in zip(jobs, sealed) {
            if job.view == nil { views[job.node.id] = result.view }
            issued[job.node.id] = Issued(version: job.version, expiresAt: seal.expiresAt)
            signed.append(result.signed)
        }
        return signed
    }

    /// The netmap `id` should have now, with version 0 and times at the epoch: what
    /// `build` stamps and signs. Two builders holding the same nodes and policy give equal
    /// contents, however they got there.
    public func content(for id: Netmap.NodeID) throws(ControlError) -> Netmap {
        guard let node = nodes[id] else { throw .unknownNode(id) }
        guard !node.expired else { throw .nodeExpired(id, name: node.name) }
        let job = NetmapJob(node: node, view: views[id], version: 0)
        return NetmapSeal(self, now: Netmap.Time(unixMilliseconds: 0)).netmap(job, stamped: false)
    }

    /// Checks that `id` gets a netmap with `version`.
    private func prepare(_ id: Netmap.NodeID, version: UInt64) throws(ControlError) -> NetmapJob {
        let last = lastVersion(of: id)
        guard version > last else { throw .versionNotIncreasing(id, version: version, last: last) }
        guard let node = nodes[id] else { throw .unknownNode(id) }
        guard !node.expired else { throw .nodeExpired(id, name: node.name) }
        return NetmapJob(node: node, view: views[id], version: version)
    }
}

/// One netmap to build: the node, its cached view (nil: compute it), and the version to
/// stamp.
struct NetmapJob: Sendable {
    var node: MeshNode
    var view: NodeView?
    var version: UInt64
}

/// A sealed netmap and the view it was built from.
struct SealedNetmap: Sendable {
    var signed: SignedNetmap
    var view: NodeView
}

/// Everything sealing a netmap reads, taken from the builder: immutable values only (the
/// peer records are shared, not copied), so that netmaps can be sealed on several threads.
struct NetmapSeal: Sendable {
    let records: [Netmap.NodeID: PeerRecord]
    let viewSource: ViewSource
    let coordinator: Netmap.Coordinator
    let policyVersion: UInt64
    let issuedAt: Netmap.Time
    let expiresAt: Netmap.Time
    let signer: IdentitySecretKey

    init(_ builder: NetmapBuilder, now: Netmap.Time) {
        records = builder.peerRecords
        viewSource = builder.viewSource
        coordinator = Netmap.Coordinator(key: builder.signer.publicKey, endpoints: builder.configuration.coordinatorEndpoints)
        policyVersion = builder.policyVersion
        issuedAt = now
        expiresAt = now + builder.configuration.lifetime
        signer = builder.signer
    }

    /// Below this much work (about one peer entry each) a batch is sealed on the calling
    /// thread alone: waking another thread costs more than it saves.
    static let parallelThreshold = 64

    /// Seals `jobs`, in their order. Large batches run on every core, the largest netmaps
    /// first (and those whose view is still to be computed) so that the cores finish
    /// together.
    func sealAll(_ jobs: [NetmapJob]) -> [SealedNetmap] {
        func work(_ job: NetmapJob) -> Int { job.view.map { $0.peers.count + 1 } ?? Self.parallelThreshold }
        guard jobs.count > 1, jobs.reduce(0, { $0 + work($1) }) >= Self.parallelThreshold else {
            return jobs.map { seal($0) }
        }
        let order = jobs.indices.sorted { work(jobs[$0]) > work(jobs[$1]) }
        let slots = SealedSlots(count: jobs.count)
        defer { slots.release() }
        DispatchQueue.concurrentPerform(iterations: order.count) { k in
            let i = order[k]
            slots.put(seal(jobs[i]), at: i)
        }
        return slots.collect()
    }

    /// Computes the view if need be, and seals the netmap.
    func seal(_ job: NetmapJob) -> SealedNetmap {
        let view = job.view ?? viewSource.view(of: job.node)
        return SealedNetmap(signed: seal(job, view: view), view: view)
    }

    /// Builds, encodes and signs one netmap: the same bytes as `SignedEnvelope.seal(payload,
    /// context: .netmap, signer:).encoded`, in one buffer. The JSON is written straight
    /// after the signature's context label (docs/protocol.md §13) with room before it for
    /// the envelope's header; once the label and payload are signed, the label is replaced
    /// by the header in place. A netmap can be hundreds of kilobytes: it is not copied.
    func seal(_ job: NetmapJob, view: NodeView) -> SignedNetmap {
        let header = 1 + Signature.byteCount
        var buffer: [UInt8] = []
        let netmap = assemble(job, view: view, stamped: true, into: &buffer, reserving: header)
        let signature = signer.sign(buffer)
        buffer.replaceSubrange(0..<Self.signedLabel.count, with: CollectionOfOne(SignedEnvelope.version) + signature.raw)
        return SignedNetmap(netmap: netmap, bytes: buffer)
    }

    /// What a netmap's signature covers before the payload: `"mcpmesh netmap v1"`, 0x00.
    static let signedLabel: [UInt8] = Array("mcpmesh \(SignedEnvelope.Context.netmap.rawValue)".utf8) + [0]

    /// The netmap of `job`, with version 0 and times at the epoch unless `stamped`.
    func netmap(_ job: NetmapJob, stamped: Bool) -> Netmap {
        var ignored: [UInt8] = []
        return assemble(job, view: job.view ?? viewSource.view(of: job.node), stamped: stamped, into: &ignored, reserving: 0)
    }

    /// Builds the netmap of `job` (with version 0 and times at the epoch unless `stamped`)
    /// and writes `signedLabel` and its canonical JSON, `netmap.jsonBytes()`, into `out`,
    /// with capacity for `reserving` more bytes. The JSON is written from the pieces kept in
    /// the view and the peer records; MeshWire writes the rest (the node, the coordinator,
    /// the numbers) with empty `inbound`, `outbound` and `peers`, and the entries are
    /// spliced into those three.
    func assemble(_ job: NetmapJob, view: NodeView, stamped: Bool, into out: inout [UInt8], reserving: Int) -> Netmap {
        let listings = view.peers
        // The peers' records, in the view's order (by name); nil for none (never: every
        // node a view lists has a record).
        var listed: [PeerRecord?] = []
        listed.reserveCapacity(listings.count)
        var peers: [Netmap.Peer] = []
        peers.reserveCapacity(listings.count)
        var inbound: [IdentityPublicKey: Netmap.ServerTools] = [:]
        inbound.reserveCapacity(view.inbound.count)
        var outbound: [IdentityPublicKey: Netmap.ServerTools] = [:]
        outbound.reserveCapacity(view.outbound.count)
        var size = 0
        for listing in listings {
            let record = records[listing.id]
            listed.append(record)
            guard let record else { continue }
            peers.append(record.entry)
            size += record.jsonCount + 1
            if let access = listing.inbound {
                inbound[record.entry.key] = access.servers
                size += PeerRecord.keyFieldCount + access.json.count + 1
            }
            if let access = listing.outbound {
                outbound[record.entry.key] = access.servers
                size += PeerRecord.keyFieldCount + access.json.count + 1
            }
        }
        let epoch = Netmap.Time(unixMilliseconds: 0)
        var netmap = Netmap(version: job.version, issuedAt: stamped ? issuedAt : epoch, expiresAt: stamped ? expiresAt : epoch,
                            node: records[job.node.id]?.selfEntry ?? job.node.selfEntry, coordinator: coordinator, policyVersion: policyVersion,
                            peers: [], inbound: [:], outbound: [:])
        let skeleton = netmap.jsonBytes(encodedPeers: [])
        netmap.peers = peers
        netmap.inbound = inbound
        netmap.outbound = outbound

        // `inbound` and `outbound` are keyed, and so sorted, by the peers' keys.
        let byKey = listed.indices.filter { listed[$0] != nil }.sorted { PeerRecord.keyOrder(listed[$0]!, listed[$1]!) }
        let splice = SkeletonSplice(skeleton)
        out.reserveCapacity(reserving + Self.signedLabel.count + skeleton.count + size)
        out.append(contentsOf: Self.signedLabel)
        out.append(contentsOf: skeleton[..<splice.inbound])
        Self.appendAccess(byKey, listed, listings, \.inbound, to: &out)
        out.append(contentsOf: skeleton[splice.inbound..<splice.outbound])
        Self.appendAccess(byKey, listed, listings, \.outbound, to: &out)
        out.append(contentsOf: skeleton[splice.outbound..<splice.peers])
        var first = true
        for case let record? in listed {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            record.appendJSON(to: &out)
        }
        out.append(contentsOf: skeleton[splice.peers...])
        return netmap
    }

    /// The entries of `inbound` or `outbound` (`direction`), in key order.
    private static func appendAccess(_ byKey: [Int], _ listed: [PeerRecord?], _ listings: [NodeView.Listing],
                                     _ direction: KeyPath<NodeView.Listing, EncodedServerTools?>, to out: inout [UInt8]) {
        var first = true
        for i in byKey {
            guard let access = listings[i][keyPath: direction], let record = listed[i] else { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            record.appendKeyField(to: &out)
            out.append(contentsOf: access.json)
        }
    }
}

/// Where entries go in the JSON of a netmap with empty `inbound`, `outbound` and `peers`:
/// just inside `"inbound":{}`, `"outbound":{}` and `"peers":[]`. Outside strings every `"`
/// is structural (inside one it is escaped as `\"`), so the first `"inbound":{}` is the
/// field (only the coordinator and `expiresAt` come before it) and the last
/// `"outbound":{},"peers":[]` is the pair of fields (only numbers follow them).
struct SkeletonSplice {
    private static let inboundField = Array(#""inbound":{}"#.utf8)
    private static let tailFields = Array(#""outbound":{},"peers":[]"#.utf8)
    private static let outboundOpen = #""outbound":{"#.utf8.count

    /// The offsets of the `}` closing `inbound`, the `}` closing `outbound`, and the `]`
    /// closing `peers`.
    let inbound: Int
    let outbound: Int
    let peers: Int

    init(_ skeleton: [UInt8]) {
        guard let i = Self.firstIndex(of: Self.inboundField, in: skeleton),
              let t = Self.lastIndex(of: Self.tailFields, in: skeleton), i < t else {
            preconditionFailure("a netmap's JSON without its inbound, outbound and peers fields")
        }
        inbound = i + Self.inboundField.count - 1
        outbound = t + Self.outboundOpen
        peers = t + Self.tailFields.count - 1
    }

    private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        return (0...(bytes.count - pattern.count)).first { matches(pattern, in: bytes, at: $0) }
    }

    private static func lastIndex(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        return (0...(bytes.count - pattern.count)).reversed().first { matches(pattern, in: bytes, at: $0) }
    }

    private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at start: Int) -> Bool {
        var k = 0
        while k < pattern.count {
            if bytes[start + k] != pattern[k] { return false }
            k += 1
        }
        return true
    }
}

/// The results of a parallel seal: one slot per job, each written by exactly one
/// iteration of `concurrentPerform` and read only after it returns.
private final class SealedSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<SealedNetmap?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    func put(_ sealed: SealedNetmap, at index: Int) { slots[index] = sealed }

    func collect() -> [SealedNetmap] { slots.map { $0! } }

    func release() {
        slots.deinitialize()
        slots.deallocate()
    }
}
