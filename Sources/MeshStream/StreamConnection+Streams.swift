import MeshWire

/// Stream bookkeeping shared by the application calls, frame handling and packet building.
extension StreamConnection {
    mutating func addStream(_ id: StreamID) {
        let credit = ReceiveCredit(initialLimit: StreamConstants.initialMaxStreamData,
                                   window: config.initialStreamWindow, maxWindow: config.maxStreamWindow)
        let i = streams.insert(send: SendStream(id: id, credit: StreamConstants.initialMaxStreamData),
                               recv: ReceiveStream(id: id, credit: credit))
        if credit.updatePending { queueControl(.maxStreamData(id), at: i) }
    }

    /// The slot of the stream a frame names, opening peer streams up to it
    /// (RFC 9000 §3.2: a frame for a higher stream opens the lower ones too). Nil when the
    /// stream existed and is already forgotten (late frames are ignored).
    mutating func streamIndex(forFrameOn id: StreamID) throws(StreamError) -> Int? {
        guard id.isBidirectional else {
            throw .streamState(stream: id, problem: "unidirectional streams are not used")
        }
        if id.opener == role {
            guard id.index < nextLocalIndex else {
                throw .streamState(stream: id, problem: "frame for a stream this side has not opened")
            }
        } else {
            guard id.index < peerStreamLimit else { throw .streamLimit(stream: id, allowed: peerStreamLimit) }
            while nextPeerIndex <= id.index {
                let opened = StreamID(index: nextPeerIndex, opener: role.peer)
                nextPeerIndex += 1
                addStream(opened)
                events.append(.opened(opened))
            }
        }
        return streams.slot(of: id)
    }

    /// Puts a stream with something to send in the round-robin queue.
    mutating func schedule(_ id: StreamID) {
        guard let i = streams.slot(of: id), !streams.flags[i].queued else { return }
        guard streams.send[i].hasSendable(connectionCredit: max(connectionCredit.available, 1)) else { return }
        streams.flags[i].queued = true
        sendQueue.append(id)
    }

    mutating func queueControl(_ control: StreamControl, at i: Int) {
        switch control {
        case .maxStreamData:
            guard !streams.flags[i].maxStreamDataQueued else { return }
            streams.flags[i].maxStreamDataQueued = true
        case .resetStream:
            guard !streams.flags[i].resetQueued else { return }
            streams.flags[i].resetQueued = true
        case .stopSending:
            guard !streams.flags[i].stopSendingQueued else { return }
            streams.flags[i].stopSendingQueued = true
        case .streamDataBlocked:
            guard !streams.flags[i].blockedQueued else { return }
            streams.flags[i].blockedQueued = true
        }
        controlQueue.append(control)
    }

    mutating func resetSendingHalf(at i: Int, code: UInt64) {
        guard streams.send[i].resetCode == nil, !streams.send[i].isTerminal else { return }
        bufferedBytes -= streams.send[i].reset(code: code)
        queueControl(.resetStream(streams.send[i].id), at: i)
        notifyWritable()
    }

    /// Reports `.readable` once per drain.
    mutating func reportReadable(at i: Int) {
        guard streams.recv[i].readableBytes > 0, !streams.flags[i].readableSignalled else { return }
        streams.flags[i].readableSignalled = true
        events.append(.readable(streams.send[i].id))
    }

    /// Reports `.finished` when the application has read up to the FIN.
    mutating func reportEndOfStream(at i: Int) {
        guard streams.recv[i].isFinishedReading, !streams.recv[i].endDelivered else { return }
        streams.recv[i].endDelivered = true
        events.append(.finished(streams.send[i].id))
    }

    /// Reports `.writable` to streams whose writes fell short and that have room now.
    mutating func notifyWritable() {
        guard !writeBlocked.isEmpty else { return }
        let connectionRoom = config.connectionSendBuffer - bufferedBytes
        guard connectionRoom > 0 else { return }
        var still: [StreamID] = []
        for id in writeBlocked {
            guard let i = streams.slot(of: id), streams.flags[i].wantsWritable else { continue }
            guard streams.send[i].acceptsWrites else {
                streams.flags[i].wantsWritable = false
                continue
            }
            if config.streamSendBuffer - streams.send[i].bufferedBytes > 0 {
                streams.flags[i].wantsWritable = false
                events.append(.writable(id))
            } else {
                still.append(id)
            }
        }
        writeBlocked = still
    }

    /// Forgets a stream whose halves are both done; a peer stream gives the peer room for
    /// one more (MAX_STREAMS).
    mutating func retireIfDone(_ id: StreamID) {
        guard let i = streams.slot(of: id), streams.isTerminal(i) else { return }
        bufferedBytes -= streams.send[i].bufferedBytes
        streams.remove(at: i)
        if id.opener != role {
            peerStreamsClosed += 1
            let limit = peerStreamsClosed + config.maxStreams
            if limit > peerStreamLimit {
                peerStreamLimit = limit
                maxStreamsPending = true
            }
        }
    }

    // MARK: Closing (RFC 9000 §10.2)

    /// This side closes: CONNECTION_CLOSE is sent now and repeated (doubling from one PTO,
    /// at most every `maxCloseRepeatInterval`) and in answer to incoming packets, until the
    /// peer's CONNECTION_CLOSE arrives or max(idle timeout, 3 PTO) passes.
    mutating func enterClosing(_ frame: ConnectionCloseFrame, reason: CloseReason) {
        let pto = rtt.probeTimeout()
        let period = max(config.idleTimeout, pto * Int(StreamConstants.drainingProbeTimeouts))
        state = .closing(.init(frame: frame, until: clock + period, nextRepeat: clock,
                               interval: min(pto, StreamConstants.maxCloseRepeatInterval)))
        discardAll()
        events.append(.connectionClosed(reason))
    }

    /// The peer closed: reply once, then stay silent for three PTOs.
    mutating func enterDraining(reason: CloseReason, reply: Bool) {
        let until = clock + rtt.probeTimeout() * Int(StreamConstants.drainingProbeTimeouts)
        let frame = reply ? ConnectionCloseFrame(kind: .transport(frameType: 0), errorCode: TransportErrorCode.noError.rawValue) : nil
        state = .draining(until: until, reply: frame)
        discardAll()
        events.append(.connectionClosed(reason))
    }

    /// A protocol violation by the peer: close with the error's code.
    mutating func fail(_ error: StreamError) {
        guard case .open = state else { return }
        let text = Array(error.description.utf8.prefix(StreamConstants.maxReasonLength))
        let frame = ConnectionCloseFrame(kind: .transport(frameType: 0),
                                         errorCode: error.transportErrorCode.rawValue, reason: text)
        enterClosing(frame, reason: .protocolError(error))
    }

    mutating func discardAll() {
        streams.removeAll()
        sendQueue = []
        controlQueue = []
        connectionBlocked = []
        writeBlocked = []
        sentPackets.discardAll()
        bufferedBytes = 0
        pingPending = false
        probesPending = 0
        pacingBlockedUntil = nil
    }
}
