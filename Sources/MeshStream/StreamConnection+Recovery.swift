import MeshWire

/// Acknowledgements, loss detection, probe timeouts and timers (RFC 9002 §6, Appendix A).
extension StreamConnection {
    mutating func onAckFrame(_ ack: AckFrame) throws(StreamError) {
        let inFlightBefore = sentPackets.bytesInFlight
        let result = try sentPackets.onAck(ack, now: clock)
        guard !result.acked.isEmpty else { return }
        if let sample = result.rttSample {
            rtt.update(sample: sample, ackDelay: ack.ackDelayDuration, now: clock)
        }
        if !result.spurious.isEmpty {
            counters.spuriousLosses += result.spurious.filter(\.ackEliciting).count
            congestion.onSpuriousLosses(result.spurious.compactMap(\.declaredLostAt))
        }
        let windowLimited = congestion.isWindowLimited(bytesInFlight: inFlightBefore)
        for packet in result.acked {
            if packet.state == .outstanding, packet.ackEliciting {
                congestion.onPacketAcked(size: packet.size, sentAt: packet.timeSent, windowLimited: windowLimited)
            }
            for frame in packet.frames { onFrameAcked(frame) }
        }
        notifyWritable()
        detectLosses()
        ptoCount = 0
    }

    private mutating func onFrameAcked(_ frame: SentFrame) {
        switch frame {
        case let .stream(id, offset, length, fin):
            guard let i = streams.slot(of: id) else { return }
            bufferedBytes -= streams.send[i].onAcked(offset: offset, length: length, fin: fin)
            if streams.send[i].isFullyAcknowledged, !streams.flags[i].acknowledgedReported {
                streams.flags[i].acknowledgedReported = true
                events.append(.acknowledged(id))
            }
            retireIfDone(id)
        case let .resetStream(id):
            guard let i = streams.slot(of: id) else { return }
            streams.send[i].resetAcked = true
            retireIfDone(id)
        case let .ack(largest):
            receivedPackets.onAckAcknowledged(largest: largest)
        case .stopSending, .maxData, .maxStreamData, .maxStreams, .ping, .blocked:
            break
        }
    }

    /// Sends a lost frame's content again (or the latest value of a lost credit frame).
    mutating func repair(_ frame: SentFrame) {
        switch frame {
        case let .stream(id, offset, length, fin):
            guard let i = streams.slot(of: id) else { return }
            streams.send[i].onLost(offset: offset, length: length, fin: fin)
            schedule(id)
        case let .resetStream(id):
            guard let i = streams.slot(of: id), !streams.send[i].resetAcked else { return }
            queueControl(.resetStream(id), at: i)
        case let .stopSending(id):
            guard let i = streams.slot(of: id), !streams.recv[i].isTerminal else { return }
            queueControl(.stopSending(id), at: i)
        case .maxData:
            connectionReceive.updatePending = true
        case let .maxStreamData(id):
            guard let i = streams.slot(of: id), streams.recv[i].expectsData else { return }
            streams.recv[i].credit.updatePending = true
            queueControl(.maxStreamData(id), at: i)
        case .maxStreams:
            maxStreamsPending = true
        case .ack, .ping, .blocked:
            break
        }
    }

    /// Runs loss detection and repairs what was lost; one congestion event per detection.
    mutating func detectLosses() {
        let result = sentPackets.detectLosses(
            now: clock, lossDelay: sentPackets.lossDelay(rtt),
            persistentDuration: rtt.hasSample ? rtt.persistentCongestionDuration() : nil,
            firstSampleTime: rtt.firstSampleTime)
        guard !result.lost.isEmpty else { return }
        var newestLost: Instant?
        var count = 0
        for packet in result.lost {
            if packet.ackEliciting {
                newestLost = max(newestLost ?? packet.timeSent, packet.timeSent)
                count += 1
            }
            for frame in packet.frames { repair(frame) }
        }
        counters.packetsLost += count
        if let sent = newestLost { congestion.onCongestionEvent(sentAt: sent, now: clock, lostPackets: count) }
        if result.persistentCongestion { congestion.onPersistentCongestion() }
    }

    /// The probe timeout with backoff (RFC 9002 §6.2.1), capped at `maxProbeTimeout` unless
    /// the base is larger.
    var currentProbeTimeout: Duration {
        let base = rtt.probeTimeout()
        let backedOff = base * (1 << min(ptoCount, 16))
        return max(base, min(backedOff, StreamConstants.maxProbeTimeout))
    }

    /// The loss timer if set, else the PTO timer while ack-eliciting packets are in flight.
    var lossDetectionDeadline: Instant? {
        if let t = sentPackets.lossTime { return t }
        guard sentPackets.ackElicitingInFlight > 0, let last = sentPackets.timeOfLastAckEliciting else { return nil }
        return last + currentProbeTimeout
    }

    var idleDeadline: Instant {
        lastActivity + max(config.idleTimeout, rtt.probeTimeout() * Int(StreamConstants.drainingProbeTimeouts))
    }

    var keepAliveDeadline: Instant? {
        guard let interval = config.keepAliveInterval, !pingPending else { return nil }
        return max(lastReceived, lastAckElicitingSent ?? lastReceived) + interval
    }

    /// When `handleTimeout(now:)` should be called next; nil once closed.
    public var nextTimeout: Instant? {
        switch state {
        case .closed:
            return nil
        case let .draining(until, _):
            return until
        case let .closing(closing):
            return min(closing.until, closing.nextRepeat)
        case .open:
            var t = idleDeadline
            if let d = lossDetectionDeadline { t = min(t, d) }
            if receivedPackets.ackPending, let d = receivedPackets.ackDeadline { t = min(t, d) }
            if let d = pacingBlockedUntil { t = min(t, d) }
            if let d = keepAliveDeadline { t = min(t, d) }
            return t
        }
    }

    /// Acts on every timer due at `now`: idle timeout, loss timer or PTO, pacing release,
    /// keep-alive, and the end of closing or draining. Then call `nextDatagram` until nil.
    public mutating func handleTimeout(now: Instant) {
        clock = max(clock, now)
        switch state {
        case .closed:
            return
        case let .draining(until, _):
            if clock >= until { state = .closed }
            return
        case let .closing(closing):
            if clock >= closing.until { state = .closed }
            return
        case .open:
            break
        }
        if clock >= idleDeadline {
            state = .closed
            discardAll()
            events.append(.connectionClosed(.idleTimeout))
            return
        }
        if let d = pacingBlockedUntil, clock >= d { pacingBlockedUntil = nil }
        if let d = lossDetectionDeadline, clock >= d {
            if sentPackets.lossTime != nil {
                detectLosses()
            } else {
                onProbeTimeout()
            }
        }
        if let d = keepAliveDeadline, clock >= d { pingPending = true }
    }

    /// PTO (RFC 9002 §6.2.4): back off, and send up to two ack-eliciting probes carrying the
    /// oldest unacknowledged packet's content again (a PING if it had none).
    private mutating func onProbeTimeout() {
        ptoCount += 1
        counters.probeTimeouts += 1
        probesPending = StreamConstants.probePacketsPerTimeout
        if let oldest = sentPackets.oldestOutstandingAckEliciting {
            for frame in oldest.frames { repair(frame) }
        }
    }
}
