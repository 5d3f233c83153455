import Foundation
import GRDB

extension Registry {
    /// Records that a node was seen at `now`, and optionally its current endpoints and
    /// published servers (`nil` leaves them as they are). Not an admin action, so not audited.
    @discardableResult
    public func recordNodeSeen(_ id: RegisteredNode.ID, at now: Date, endpoints: [String]? = nil,
                               servers: [String]? = nil) throws(RegistryError) -> NodeStatusUpdate {
        let endpoints = try endpoints.map { list throws(RegistryError) in try InputValidation.endpoints(list) }
        let servers = try servers.map { list throws(RegistryError) in try InputValidation.serverNames(list) }
        return try write("record that node id \(id) was seen") { db in
            var record = try Self.requireNode(db, id)
            let before = try Self.assemble(db, record)
            record.lastSeenAt = now
            var endpointsChanged = false
            if let endpoints, endpoints != record.lastEndpoints {
                record.lastEndpoints = endpoints
                endpointsChanged = true
            }
            try record.update(db)
            var serversChanged = false
            if let servers, servers != before.servers {
                try Self.storeServers(db, nodeID: id.rawValue, servers)
                serversChanged = true
            }
            return NodeStatusUpdate(node: try Self.assemble(db, record),
                                    endpointsChanged: endpointsChanged, serversChanged: serversChanged)
        }
    }
}
