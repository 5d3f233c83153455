import MeshWire

/// Incoming datagram payloads and the frames in them.
extension StreamConnection {
    /// Takes one decrypted payload. Duplicates (a packet number seen before) are ignored; a
    /// malformed payload or a protocol violation closes the connection with the error's code
    /// (reported as `.connectionClosed(.protocolError(…))`), never traps.
    public mutating func receive(_ payload: [UInt8], packetNumber: UInt64, now: Instant) {
        clock = max(clock, now)
        switch state {
        case .closed, .draining:
            return
        case var .closing(closing):
            guard packetNumber <= StreamConstants.maxVarInt, receivedPackets.isNew(packetNumber) else { return }
            receivedPackets.onPacket(packetNumber, ackEliciting: false, now: clock)
            let frames = (try? FrameCodec.decodeFrames(payload)) ?? []
            if frames.contains(where: { if case .connectionClose = $0 { return true } else { return false } }) {
                state = .draining(until: clock + rtt.probeTimeout() * Int(StreamConstants.drainingProbeTimeouts), reply: nil)
                return
            }
            if closing.lastSent.map({ clock - $0 >= StreamConstants.granularity }) ?? true {
                closing.replyPending = true
                state = .closing(closing)
            }
            return
        case .open:
            break
        }
        guard packetNumber <= StreamConstants.maxVarInt else { return }
        guard receivedPackets.isNew(packetNumber) else {
            counters.duplicatePackets += 1
            return
        }
        let frames: [Frame]
        do {
            frames = try FrameCodec.decodeFrames(payload)
        } catch {
            fail(error)
            return
        }
        let eliciting = frames.contains { $0.isAckEliciting }
        receivedPackets.onPacket(packetNumber, ackEliciting: eliciting, now: clock)
        counters.packetsReceived += 1
        counters.bytesReceived += payload.count
        lastReceived = clock
        lastActivity = clock
        ackElicitingSentSinceReceive = false
        for frame in frames {
            do {
                try handle(frame)
            } catch {
                fail(error)
                return
            }
            guard case .open = state else { return }
        }
    }

    mutating func handle(_ frame: Frame) throws(StreamError) {
        switch frame {
        case .padding, .ping, .dataBlocked, .streamsBlocked:
            break
        case let .ack(ack):
            try onAckFrame(ack)
        case let .stream(s):
            try onStreamFrame(s)
        case let .resetStream(id, code, finalSize):
            try onResetStream(id, code: code, finalSize: finalSize)
        case let .stopSending(id, code):
            guard let i = try streamIndex(forFrameOn: id) else { return }
            guard streams.send[i].resetCode == nil, !streams.send[i].isTerminal else { return }
            resetSendingHalf(at: i, code: code)
            events.append(.stopSending(id, code: code))
            retireIfDone(id)
        case let .maxData(maximum):
            if connectionCredit.raise(to: maximum) {
                let waiting = connectionBlocked
                connectionBlocked = []
                for id in waiting {
                    if let i = streams.slot(of: id) { streams.flags[i].waitingForConnectionCredit = false }
                    schedule(id)
                }
            }
        case let .maxStreamData(id, maximum):
            guard let i = try streamIndex(forFrameOn: id) else { return }
            if streams.send[i].credit.raise(to: maximum) { schedule(id) }
        case let .maxStreams(maximum):
            guard maximum > localStreamLimit else { return }
            localStreamLimit = maximum
            if wantsMoreStreams {
                wantsMoreStreams = false
                events.append(.streamsAvailable)
            }
        case let .streamDataBlocked(id, _):
            _ = try streamIndex(forFrameOn: id)
        case let .connectionClose(close):
            let text = close.reasonText
            switch close.kind {
            case .application:
                enterDraining(reason: .closedByPeer(code: close.errorCode, reason: text), reply: true)
            case .transport:
                enterDraining(reason: .peerError(TransportErrorCode(rawValue: close.errorCode), reason: text), reply: true)
            }
        }
    }

    private mutating func onStreamFrame(_ frame: StreamFrame) throws(StreamError) {
        guard let i = try streamIndex(forFrameOn: frame.id) else { return }
        let raised = try streams.recv[i].onData(frame)
        try chargeConnection(raised)
        let discarded = streams.recv[i].takeDiscarded()
        if discarded > 0 { connectionReceive.consume(discarded, now: clock, smoothedRTT: rtt.smoothed) }
        reportReadable(at: i)
        reportEndOfStream(at: i)
        retireIfDone(frame.id)
    }

    private mutating func onResetStream(_ id: StreamID, code: UInt64, finalSize: UInt64) throws(StreamError) {
        guard let i = try streamIndex(forFrameOn: id) else { return }
        let wasReset = streams.recv[i].resetCode != nil
        let raised = try streams.recv[i].onReset(code: code, finalSize: finalSize)
        try chargeConnection(raised)
        connectionReceive.consume(streams.recv[i].takeDiscarded(), now: clock, smoothedRTT: rtt.smoothed)
        if !wasReset, streams.recv[i].resetCode != nil, !streams.recv[i].endDelivered {
            streams.recv[i].endDelivered = true
            streams.flags[i].readableSignalled = false
            if streams.recv[i].stopCode == nil { events.append(.reset(id, code: code)) }
        }
        retireIfDone(id)
    }

    /// Counts newly received bytes against the connection's credit (RFC 9000 §4.1).
    private mutating func chargeConnection(_ raised: UInt64) throws(StreamError) {
        guard raised > 0 else { return }
        let total = connectionReceive.received + raised
        guard connectionReceive.allows(total) else {
            throw .flowControl(stream: nil, limit: connectionReceive.limit, offset: total)
        }
        connectionReceive.setReceived(total)
    }
}
