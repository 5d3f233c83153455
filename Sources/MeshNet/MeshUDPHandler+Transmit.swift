import MeshTransport
import NIOCore

/// The write path: `.transmit` actions become GSO runs, runs become envelopes, and one
/// flush per batch hands them all to NIO, which writes them with one `sendmmsg`.
extension MeshUDPHandler {
    /// Queues one datagram of the sessions core for the current batch.
    func transmit(_ datagram: [UInt8], to destination: UDPAddress) {
        guard context != nil, let address = destination.sendable(on: socketFamily) else {
            shellStats.unsendable += 1
            return
        }
        coalescer.add(datagram, to: address, into: &readyRuns)
        if !readyRuns.isEmpty { writeReadyRuns() }
    }

    /// Writes the open run and flushes the channel, if anything was written since the last
    /// flush.
    func flushTransmits() {
        if let run = coalescer.finish() { readyRuns.append(run) }
        writeReadyRuns()
        guard writesSinceFlush > 0, let context else { return }
        writesSinceFlush = 0
        shellStats.flushes += 1
        context.flush()
    }

    private func writeReadyRuns() {
        for run in readyRuns { write(run) }
        readyRuns.removeAll(keepingCapacity: true)
    }

    /// One run, one envelope: the datagram as is, or the run as a GSO super-datagram whose
    /// segments the kernel cuts at `segmentSize`. This is the one copy of the send path
    /// in the shell (array → socket buffer).
    private func write(_ run: TransmitCoalescer<UDPAddress>.Run) {
        guard let context else {
            shellStats.unsendable += run.datagrams.count
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: run.byteCount)
        for datagram in run.datagrams { buffer.writeBytes(datagram) }
        let metadata: AddressedEnvelope<ByteBuffer>.Metadata?
        if run.datagrams.count > 1 {
            metadata = .init(ecnState: .transportNotCapable, packetInfo: nil, segmentSize: run.segmentSize)
            shellStats.gsoSends += 1
            shellStats.gsoSegments += run.datagrams.count
        } else {
            metadata = nil
        }
        shellStats.writes += 1
        shellStats.datagramsWritten += run.datagrams.count
        writesSinceFlush += 1
        let destination: SocketAddress
        if let (address, cached) = lastDestination, address == run.destination {
            destination = cached
        } else {
            destination = run.destination.socketAddress
            lastDestination = (run.destination, destination)
        }
        let envelope = AddressedEnvelope(remoteAddress: destination, data: buffer, metadata: metadata)
        context.write(wrapOutboundOut(envelope), promise: nil)
    }
}
