import MeshTransport
import NIOCore

/// The write path: datagrams are written straight into the buffer of their GSO run, runs
/// become envelopes, and one flush per batch hands them all to NIO, which writes them with
/// one `sendmmsg`. A transport message is sealed in place in its run's buffer, so its one
/// copy before the kernel's is the encryption itself.
extension MeshUDPHandler {
    /// Queues one datagram of the sessions core for the current batch.
    func transmit(_ datagram: [UInt8], to destination: UDPAddress) {
        guard context != nil, let address = destination.sendable(on: socketFamily) else {
            shellStats.unsendable += 1
            return
        }
        transmit(size: datagram.count, to: address) { out in
            datagram.withUnsafeBytes { out.copyMemory(from: $0) }
        }
    }

    /// Queues a datagram of `size` bytes to `address` (in the socket's form; a context is
    /// attached), which `write` fills in place, at the end of its run's buffer.
    func transmit(size: Int, to address: UDPAddress, write: (UnsafeMutableRawBufferPointer) -> Void) {
        switch coalescer.place(size: size, to: address) {
        case .join:
            Self.append(size, to: &runBuffer!, write)
        case .startRun(let closed):
            if let closed { writeRun(closed) }
            var buffer = context!.channel.allocator.buffer(capacity: coalescer.runCapacity(startingWith: size))
            Self.append(size, to: &buffer, write)
            runBuffer = buffer
        case .single(let closed):
            if let closed { writeRun(closed) }
            var buffer = context!.channel.allocator.buffer(capacity: size)
            Self.append(size, to: &buffer, write)
            runBuffer = buffer
            writeRun(TransmitCoalescer.Run(destination: address, segmentSize: size, count: 1, byteCount: size))
        }
    }

    private static func append(_ size: Int, to buffer: inout ByteBuffer, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { free in
            write(UnsafeMutableRawBufferPointer(rebasing: free[0..<size]))
            return size
        }
    }

    /// Writes the open run and flushes the channel, if anything was written since the last
    /// flush.
    func flushTransmits() {
        if let run = coalescer.finish() { writeRun(run) }
        guard writesSinceFlush > 0, let context else { return }
        writesSinceFlush = 0
        shellStats.flushes += 1
        context.flush()
    }

    /// One run, one envelope: the datagram as is, or the run as a GSO super-datagram whose
    /// segments the kernel cuts at `segmentSize`. The run's bytes are in `runBuffer`.
    private func writeRun(_ run: TransmitCoalescer<UDPAddress>.Run) {
        guard let buffer = runBuffer.take(), let context else {
            runBuffer = nil
            shellStats.unsendable += run.count
            return
        }
        let metadata: AddressedEnvelope<ByteBuffer>.Metadata?
        if run.count > 1 {
            metadata = .init(ecnState: .transportNotCapable, packetInfo: nil, segmentSize: run.segmentSize)
            shellStats.gsoSends += 1
            shellStats.gsoSegments += run.count
        } else {
            metadata = nil
        }
        shellStats.writes += 1
        shellStats.datagramsWritten += run.count
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
