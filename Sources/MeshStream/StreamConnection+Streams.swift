import MeshWire

/// Stream bookkeeping shared by the application calls, frame handling and packet building.
extension StreamConnection {
    mutating func addStream(_ id: StreamID) {
        let credit = ReceiveCredit(initialLimit: StreamConstants.initialMaxStreamData,
                                   window: config.initialStreamWindow, maxWindow: config.maxStreamWindow)
        let pair = StreamPair(send: SendStream(id: id, credit: StreamConstants.initialMaxStreamData),
                              recv: ReceiveStream(id: id, credit: credit))
        streams[id] = pair
        if credit.updatePending, let i = streams.index(forKey: id) {
            queueControl(.maxStreamData(id), at: i)
        }
    }

    /// The dictionary position of the stream a frame names, opening peer streams up to it
    /// (RFC 9000 §3.2: a frame for a higher stream opens the lower ones too). Nil when the
    /// stream existed and is already forgotten (late frames are ignored).
    mutating func streamIndex(forFrameOn id: StreamID) throws(StreamError) -> Dictionary<StreamID, StreamPair>.Index? {
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
        return streams.index(forKey: id)
    }

    /// Puts a stream with something to send in the round-robin queue.
    mutating func schedule(_ id: StreamID) {
        guard let i = streams.index(forKey: id), !streams.values[i].queued else { return }
        guard streams.values[i].send.hasSendable(connectionCredit: max(connectionCredit.available, 1)) else { return }
        streams.values[i].queued = true
        sendQueue.append(id)
    }

    mutating func queueControl(_ control: StreamControl, at i: Dictionary<StreamID, StreamPair>.Index) {
        switch control {
        case .maxStreamData:
            guard !streams.values[i].maxStreamDataQueued else { return }
            streams.values[i].maxStreamDataQueued = true
        case .resetStream:
            guard !streams.values[i].resetQueued else { return }
            streams.values[i].resetQueued = true
        case .stopSending:
            guard !streams.values[i].stopSendingQueued else { return }
            streams.values[i].stopSendingQueued = true
        case .streamDataBlocked:
            guard !streams.values[i].blockedQueued else { return }
            streams.values[i].blockedQueued = true
        }
        controlQueue.append(control)
    }

    mutating func resetSendingHalf(at i: Dictionary<StreamID, StreamPair>.Index, code: UInt64) {
        guard streams.values[i].send.resetCode == nil, !streams.values[i].send.isTerminal else { return }
        bufferedBytes -= streams.values[i].send.reset(code: code)
        queueControl(.resetStream(streams.keys[i]), at: i)
        notifyWritable()
    }

    /// Reports `.readable` once per drain.
    mutating func reportReadable(at i: Dictionary<StreamID, StreamPair>.Index) {
        guard streams.values[i].recv.readableBytes > 0, !streams.values[i].readableSignalled else { return }
        streams.values[i].readableSignalled = true
        events.append(.readable(streams.keys[i]))
    }

    /// Reports `.finished` when the application has read up to the FIN.
    mutating func reportEndOfStream(at i: Dictionary<StreamID, StreamPair>.Index) {
        guard streams.values[i].recv.isFinishedReading, !streams.values[i].recv.endDelivered else { return }
        streams.values[i].recv.endDelivered = true
        events.append(.finished(streams.keys[i]))
    }

    /// Reports `.writable` to streams whose writes fell short and that have room now.
    mutating func notifyWritable() {
        guard !writeBlocked.isEmpty else { return }
        let connectionRoom = config.connectionSendBuffer - bufferedBytes
        guard connectionRoom > 0 else { return }
        var still: [StreamID] = []
        for id in writeBlocked {
            guard let i = streams.index(forKey: id), streams.values[i].wantsWritable else { continue }
            guard streams.values[i].send.acceptsWrites else {
                streams.values[i].wantsWritable = false
                continue
            }
            if config.streamSendBuffer - streams.values[i].send.bufferedBytes > 0 {
                streams.values[i].wantsWritable = false
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
        guard let i = streams.index(forKey: id), streams.values[i].isTerminal else { return }
        bufferedBytes -= streams.values[i].send.bufferedBytes
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
        streams = [:]
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
