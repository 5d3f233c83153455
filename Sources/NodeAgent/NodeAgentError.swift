/// Errors of the node agent, each one sentence naming what and where.
public enum NodeAgentError: Error, Equatable, CustomStringConvertible {
    case stateDirectory(String, String)
    case notJoined(String)
    case joinKey(String)
    case refused(String)
    case bind(String)

    public var description: String {
        switch self {
        case .stateDirectory(let path, let why): return "\(path) \(why)"
        case .notJoined(let dir): return "this node has not joined a mesh yet (no \(dir)/node.json): run `mcpmesh up --join JOINKEY` once"
        case .joinKey(let why): return "the join key is not usable: \(why)"
        case .refused(let why): return "the coordinator refused this node: \(why)"
        case .bind(let why): return "cannot open the mesh socket: \(why)"
        }
    }
}
