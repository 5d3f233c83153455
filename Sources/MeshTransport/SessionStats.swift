/// Counters of what the sessions core did and refused. Every dropped datagram is counted
/// under exactly one reason.
public struct SessionStats: Sendable, Equatable {
    public var datagramsReceived = 0
    public var malformed = 0
    public var invalidMAC1 = 0
    public var cookieRepliesSent = 0
    public var cookieRepliesAccepted = 0
    public var cookieRepliesRejected = 0
    public var handshakeDecryptFailed = 0
    public var unknownPeer = 0
    public var peersAdmitted = 0
    public var replayedInitiation = 0
    public var initiationRateLimited = 0
    public var unknownIndex = 0
    public var expiredKeypair = 0
    public var replayedData = 0
    public var dataDecryptFailed = 0
    public var handshakesInitiated = 0
    public var handshakesCompleted = 0
    public var dataDelivered = 0
    public var keepalivesReceived = 0
    public var keepalivesSent = 0
    public var stagedDropped = 0
    public var noEndpoint = 0

    public init() {}

    /// Datagrams dropped for any reason.
    public var dropped: Int {
        malformed + invalidMAC1 + handshakeDecryptFailed + unknownPeer + replayedInitiation
            + initiationRateLimited + unknownIndex + expiredKeypair + replayedData + dataDecryptFailed
            + cookieRepliesRejected
    }
}
