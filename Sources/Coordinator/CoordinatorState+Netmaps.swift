import Foundation
import Registry

extension CoordinatorState {
    /// The next netmap version for each node, persisted before it is used, so versions keep
    /// increasing across coordinator restarts.
    public func nextNetmapVersions(for ids: [RegisteredNode.ID]) throws(CoordinatorError) -> [RegisteredNode.ID: Int64] {
        try withRegistry { () throws(RegistryError) in try registry.nextNetmapVersions(for: ids) }
    }

    /// The registered node with this identity key text, if any.
    public func node(withKey key: String) -> RegisteredNode? {
        nodes.values.first { $0.publicKey == key }
    }
}
