import MCP

/// Refuses requests without a `Host` header (HTTP/1.1 requires one; the SDK's
/// `OriginValidator` only checks a Host that is present).
public struct HostRequiredValidator: HTTPRequestValidator {
    public init() {}

    public func validate(_ request: HTTPRequest, context: HTTPValidationContext) -> HTTPResponse? {
        guard request.header(HTTPHeaderName.host)?.isEmpty == false else {
            return .error(statusCode: 400, .invalidRequest("Bad Request: Missing Host header"), sessionID: context.sessionID)
        }
        return nil
    }
}
