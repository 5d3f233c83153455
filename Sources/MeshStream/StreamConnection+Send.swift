import MeshWire

/// Building outgoing datagram payloads (RFC 9000 §13: what goes in a packet; RFC 9002 §7:
/// what the congestion window and the pacer allow).
extension StreamConnection {
    /// The next payload to send under `packetNumber`, at most `maxDatagramPayload` bytes;
    /// nil when nothing may or needs to be sent now (the packet number is then unused).
    /// Packet numbers must increase strictly from call to call (when a payload is returned).
    public mutating func nextDatagram(packetNumber: UInt64, now: Instant) -> [UInt8]? {
        precondition(packetNumber <= StreamConstants.maxVarInt, "packet numbers must stay below 2^62")
        precondition(lastPacketNumber.map { packetNumber > $0 } ?? true, "packet numbers must increase")
        clock = max(clock, now)
        switch state {
        case .closed:
            return nil
        case let .draining(until, reply):
            guard let reply else { return nil }
            state = .draining(until: until, reply: nil)
            return closePacket(reply, packetNumber: packetNumber)
        case var .closing(closing):
            guard closing.replyPending || clock >= closing.nextRepeat else { return nil }
            if clock >= closing.nextRepeat {
                closing.nextRepeat = clock + closing.interval
                closing.interval = min(closing.interval * 2, StreamConstants.maxCloseRepeatInterval)
            }
            closing.replyPending = false
            closing.lastSent = clock
            state = .closing(closing)
            return closePacket(closing.frame, packetNumber: packetNumber)
        case .open:
            return buildPacket(packetNumber: packetNumber)
        }
    }

    private mutating func closePacket(_ frame: ConnectionCloseFrame, packetNumber: UInt64) -> [UInt8] {
        var frame = frame
        // Type, code, frame type and length take at most 25 bytes; cut the reason to fit.
        frame.reason = Array(frame.reason.prefix(max(0, config.maxDatagramPayload - 25)))
        var out: [UInt8] = []
        FrameCodec.encode(.connectionClose(frame), into: &out)
        lastPacketNumber = packetNumber
        counters.packetsSent += 1
        counters.bytesSent += out.count
        return out
    }

    private mutating func buildPacket(packetNumber: UInt64) -> [UInt8]? {
        let size = config.maxDatagramPayload
        let ackDue = receivedPackets.ackDue(now: clock)
        let probing = probesPending > 0
        let window = congestion.congestionWindow
        let windowAllows = probing || sentPackets.bytesInFlight + size <= window
        var pacerAllows = true
        if windowAllows, !probing {
            pacerAllows = pacer.canSend(now: clock, window: window, smoothedRTT: rtt.smoothed)
        }
        let hasWork = probing || hasAckElicitingWork()
        let mayElicit = windowAllows && pacerAllows && hasWork
        if hasWork, windowAllows, !pacerAllows {
            pacingBlockedUntil = pacer.releaseTime(now: clock, window: window, smoothedRTT: rtt.smoothed)
        }
        guard mayElicit || ackDue else { return nil }

        var out: [UInt8] = []
        out.reserveCapacity(size)
        var frames: [SentFrame] = []
        var includedAck = false
        if receivedPackets.ackPending {
            if let ack = receivedPackets.makeAck(now: clock, room: size) {
                FrameCodec.encodeAck(ack, into: &out)
                frames.append(.ack(largest: ack.largest))
                includedAck = true
            } else {
                receivedPackets.onAckSent()  // nothing left to report
            }
        }
        var retransmits = false
        if mayElicit {
            appendConnectionControl(into: &out, frames: &frames)
            appendStreamControl(into: &out, frames: &frames)
            appendStreamData(into: &out, frames: &frames, retransmits: &retransmits)
        }
        var ackEliciting = frames.contains { if case .ack = $0 { return false } else { return true } }
        let wantPing = (probing && !ackEliciting)
            || (!ackEliciting && includedAck && windowAllows && ackOnlyInARow >= StreamConstants.maxAckOnlyBeforePing)
        if wantPing, out.count < size {
            VarInt.encode(FrameType.ping, into: &out)
            frames.append(.ping)
            pingPending = false
            ackEliciting = true
        }
        guard ackEliciting || includedAck else { return nil }

        sentPackets.onSent(packetNumber: packetNumber, timeSent: clock, size: out.count,
                           ackEliciting: ackEliciting, frames: frames)
        lastPacketNumber = packetNumber
        counters.packetsSent += 1
        counters.bytesSent += out.count
        if includedAck { receivedPackets.onAckSent() }
        if ackEliciting {
            if retransmits || probing { counters.retransmittedPackets += 1 }
            if probing { probesPending -= 1 }
            pacer.onSend(size: out.count)
            pacingBlockedUntil = nil
            ackOnlyInARow = 0
            lastAckElicitingSent = clock
            if !ackElicitingSentSinceReceive {
                ackElicitingSentSinceReceive = true
                lastActivity = clock
            }
        } else {
            ackOnlyInARow += 1
        }
        return out
    }

    /// Whether an ack-eliciting frame is waiting and allowed by flow control.
    private func hasAckElicitingWork() -> Bool {
        if pingPending || connectionReceive.updatePending || maxStreamsPending || dataBlockedPending
            || streamsBlockedPending || !controlQueue.isEmpty {
            return true
        }
        let credit = connectionCredit.available
        for id in sendQueue {
            guard let i = streams.slot(of: id) else { continue }
            if streams.send[i].hasSendable(connectionCredit: credit) { return true }
            if streams.send[i].isBlockedByStreamCredit || (credit == 0 && streams.send[i].hasUnsentData) { return true }
        }
        return false
    }

    /// Largest encoding of a control frame: type and up to three 8-byte varints.
    private static let maxControlFrameSize = 25

    private mutating func appendConnectionControl(into out: inout [UInt8], frames: inout [SentFrame]) {
        let size = config.maxDatagramPayload
        if connectionReceive.updatePending, out.count + Self.maxControlFrameSize <= size {
            FrameCodec.encode(.maxData(connectionReceive.takeUpdate(now: clock)), into: &out)
            frames.append(.maxData)
        }
        if maxStreamsPending, out.count + Self.maxControlFrameSize <= size {
            FrameCodec.encode(.maxStreams(peerStreamLimit), into: &out)
            frames.append(.maxStreams)
            maxStreamsPending = false
        }
        if dataBlockedPending, out.count + Self.maxControlFrameSize <= size {
            FrameCodec.encode(.dataBlocked(limit: connectionCredit.limit), into: &out)
            frames.append(.blocked)
            dataBlockedPending = false
        }
        if streamsBlockedPending, out.count + Self.maxControlFrameSize <= size {
            FrameCodec.encode(.streamsBlocked(limit: localStreamLimit), into: &out)
            frames.append(.blocked)
            streamsBlockedPending = false
            streamsBlockedSentAt = localStreamLimit
        }
        if pingPending, out.count < size {
            FrameCodec.encode(.ping, into: &out)
            frames.append(.ping)
            pingPending = false
        }
    }

    private mutating func appendStreamControl(into out: inout [UInt8], frames: inout [SentFrame]) {
        let size = config.maxDatagramPayload
        while let control = controlQueue.first, out.count + Self.maxControlFrameSize <= size {
            controlQueue.removeFirst()
            switch control {
            case let .maxStreamData(id):
                guard let i = streams.slot(of: id) else { continue }
                streams.flags[i].maxStreamDataQueued = false
                guard streams.recv[i].expectsData else { continue }
                let limit = streams.recv[i].credit.takeUpdate(now: clock)
                FrameCodec.encode(.maxStreamData(id: id, maximum: limit), into: &out)
                frames.append(.maxStreamData(id))
            case let .resetStream(id):
                guard let i = streams.slot(of: id) else { continue }
                streams.flags[i].resetQueued = false
                let send = streams.send[i]
                guard let code = send.resetCode, !send.resetAcked else { continue }
                FrameCodec.encode(.resetStream(id: id, errorCode: code, finalSize: send.sendOffset), into: &out)
                frames.append(.resetStream(id))
            case let .stopSending(id):
                guard let i = streams.slot(of: id) else { continue }
                streams.flags[i].stopSendingQueued = false
                guard let code = streams.recv[i].stopCode, !streams.recv[i].isTerminal else { continue }
                FrameCodec.encode(.stopSending(id: id, errorCode: code), into: &out)
                frames.append(.stopSending(id))
            case let .streamDataBlocked(id):
                guard let i = streams.slot(of: id) else { continue }
                streams.flags[i].blockedQueued = false
                guard streams.send[i].isBlockedByStreamCredit else { continue }
                let limit = streams.send[i].credit.limit
                streams.send[i].credit.blockedAt = limit
                FrameCodec.encode(.streamDataBlocked(id: id, limit: limit), into: &out)
                frames.append(.blocked)
            }
        }
    }

    /// Fills the rest of the packet with STREAM frames, round-robin: the stream at the head
    /// of the queue sends until the packet is full, then moves to the back.
    private mutating func appendStreamData(into out: inout [UInt8], frames: inout [SentFrame], retransmits: inout Bool) {
        let size = config.maxDatagramPayload
        var headServed = false
        while let id = sendQueue.first, out.count < size {
            guard let i = streams.slot(of: id) else {
                sendQueue.removeFirst()
                headServed = false
                continue
            }
            let credit = connectionCredit.available
            if let emitted = streams.send[i].emitFrame(into: &out, room: size - out.count, connectionCredit: credit) {
                frames.append(emitted.frame)
                connectionCredit.use(emitted.newBytes)
                counters.streamBytesSent += emitted.newBytes
                if emitted.isRetransmission { retransmits = true }
                headServed = true
                if !streams.send[i].hasSendable(connectionCredit: connectionCredit.available) {
                    unqueue(at: i)
                    headServed = false
                }
                continue
            }
            if streams.send[i].hasSendable(connectionCredit: credit) { break }  // packet full
            unqueue(at: i)
            headServed = false
        }
        if headServed { sendQueue.append(sendQueue.removeFirst()) }
    }

    /// Takes the head of the send queue out; a stream left with unsent data is blocked by
    /// flow control, which the peer is told once per limit (RFC 9000 §4.1).
    private mutating func unqueue(at i: Int) {
        sendQueue.removeFirst()
        streams.flags[i].queued = false
        let id = streams.send[i].id
        let send = streams.send[i]
        if send.isBlockedByStreamCredit {
            if send.credit.blockedAt != send.credit.limit { queueControl(.streamDataBlocked(id), at: i) }
        } else if send.hasUnsentData, connectionCredit.available == 0 {
            if !streams.flags[i].waitingForConnectionCredit {
                streams.flags[i].waitingForConnectionCredit = true
                connectionBlocked.append(id)
            }
            if connectionCredit.blockedAt != connectionCredit.limit {
                connectionCredit.blockedAt = connectionCredit.limit
                dataBlockedPending = true
            }
        }
    }
}
