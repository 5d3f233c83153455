import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request of an `HTTPUpstream` in flight: it hands the response head to the
/// sender, then turns the body — one JSON message, or a stream of SSE events — into
/// messages as the bytes arrive.
///
/// Confinement: after `init`, only the URLSession delegate queue (serial) touches the
/// mutable state, through `ExchangeDelegate`; that is what makes `@unchecked Sendable` true.
final class HTTPExchange: @unchecked Sendable {
    /// The status and headers of a response.
    struct Head: Sendable {
        var status: Int
        var contentType: String
        var sessionID: String?
    }

    private enum Body {
        case awaitingHead
        case json([UInt8])
        case events(SSEParser)
        case ignored
        case failed
    }

    private let limit: Int
    private let onHead: @Sendable (Result<Head, any Error>) -> Void
    private let onMessage: @Sendable (Data) -> Void
    private let onEventID: @Sendable (String) -> Void
    private let onEnd: @Sendable ((any Error)?) -> Void
    private var body: Body = .awaitingHead
    private var headDelivered = false

    /// An exchange reporting its head once, then each message, then its end.
    init(limit: Int, onHead: @escaping @Sendable (Result<Head, any Error>) -> Void,
         onMessage: @escaping @Sendable (Data) -> Void, onEventID: @escaping @Sendable (String) -> Void = { _ in },
         onEnd: @escaping @Sendable ((any Error)?) -> Void) {
        self.limit = limit
        self.onHead = onHead
        self.onMessage = onMessage
        self.onEventID = onEventID
        self.onEnd = onEnd
    }

    func received(_ response: URLResponse) {
        guard let http = response as? HTTPURLResponse else {
            body = .failed
            deliverHead(.failure(MCPBridgeError.io(what: "HTTP", reason: "not an HTTP response")))
            return
        }
        let contentType = (http.value(forHTTPHeaderField: "Content-Type") ?? "").lowercased()
        let head = Head(status: http.statusCode, contentType: contentType,
                        sessionID: http.value(forHTTPHeaderField: "Mcp-Session-Id"))
        if (200..<300).contains(http.statusCode), contentType.hasPrefix("text/event-stream") {
            body = .events(SSEParser(maxEventBytes: limit))
        } else if (200..<300).contains(http.statusCode), contentType.hasPrefix("application/json") {
            body = .json([])
        } else {
            body = .ignored
        }
        deliverHead(.success(head))
    }

    func received(_ data: Data) {
        switch body {
        case .json(var bytes):
            body = .ignored  // release the buffer while appending
            guard bytes.count + data.count <= limit else {
                body = .failed
                onEnd(MCPBridgeError.messageTooLarge(limit: limit))
                return
            }
            bytes.append(contentsOf: data)
            body = .json(bytes)
        case .events(var parser):
            do {
                for event in try parser.append(data) {
                    if let id = event.lastEventID { onEventID(id) }
                    if !event.data.isEmpty, event.type == nil || event.type == "message" {
                        onMessage(Data(event.data))
                    }
                }
                body = .events(parser)
            } catch {
                body = .failed
                onEnd(error)
            }
        case .awaitingHead, .ignored, .failed:
            break
        }
    }

    func completed(_ error: (any Error)?) {
        if !headDelivered {
            deliverHead(.failure(error ?? MCPBridgeError.io(what: "HTTP", reason: "no response")))
        }
        switch body {
        case .failed:
            return
        case .json(let bytes) where error == nil && !bytes.isEmpty:
            onMessage(Data(bytes))
        default:
            break
        }
        body = .failed
        onEnd(error)
    }

    private func deliverHead(_ head: Result<Head, any Error>) {
        guard !headDelivered else { return }
        headDelivered = true
        onHead(head)
    }
}
