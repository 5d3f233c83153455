/// Deciding one request, and explaining the decision.
extension CompiledPolicy {
    /// May `source` use `server` on `destination` — and, when `tool` is given, call that tool?
    ///
    /// Default deny: the answer is `.allowed` only when a grant selects the source in its
    /// `src`, the destination in its `dst`, and has an `"mcp"` entry covering the server (and
    /// tool), and both nodes are current and the destination publishes the server. With
    /// `tool == nil` the question is whether a session to the server may be opened at all
    /// (some tool permitted). The nodes need not be in the directory.
    public func may(_ source: PolicyNode, _ destination: PolicyNode, server: String, tool: String? = nil) -> Decision {
        evaluate(source, destination, server: server, tool: tool, checkingNodeState: true)
    }

    /// `may` for names and text, as `policy explain SRC PEER/SERVER[/TOOL]` takes them.
    ///
    /// `source` is a node name, `node:NAME`, or `tag:NAME` (a hypothetical current node
    /// holding only that tag); `target` is `PEER/SERVER` or `PEER/SERVER/TOOL`.
    public func explain(source: String, target: String) throws(PolicyError) -> Decision {
        let src = try resolveSource(source)
        let parsed: AccessTarget
        switch AccessTarget.parse(target) {
        case .success(let t): parsed = t
        case .failure(let problem): throw .invalidArgument(target, reason: problem.reason)
        }
        guard let dst = nodes[parsed.peer] else { throw .unknownNode(parsed.peer) }
        return may(src, dst, server: parsed.server, tool: parsed.tool)
    }

    /// A node named by `node:NAME`, `NAME` or (hypothetically) `tag:NAME`.
    func resolveSource(_ text: String) throws(PolicyError) -> PolicyNode {
        if text.hasPrefix("tag:") {
            if let problem = NameSyntax.problem(in: text, prefix: "tag:") {
                throw .invalidArgument(text, reason: problem)
            }
            return PolicyNode(name: text, tags: [text])
        }
        let name = text.hasPrefix("node:") ? String(text.dropFirst("node:".count)) : text
        guard let node = nodes[name] else { throw .unknownNode(name) }
        return node
    }

    /// The decision, optionally ignoring expiry and publication (policy tests do: they check
    /// what the policy says, not the nodes' current state).
    func evaluate(_ source: PolicyNode, _ destination: PolicyNode, server: String, tool: String?,
                  checkingNodeState: Bool) -> Decision {
        if source.name == destination.name { return .denied(.sameNode(node: source.name)) }
        if checkingNodeState {
            if source.expired { return .denied(.nodeExpired(node: source.name)) }
            if destination.expired { return .denied(.nodeExpired(node: destination.name)) }
            if !destination.servers.contains(server) {
                return .denied(.serverNotPublished(node: destination.name, server: server))
            }
        }
        for i in sourceIndex.grants(for: source) {
            let grant = grants[i]
            if grant.dst.contains(destination), grant.permits(server: server, tool: tool) {
                return .allowed(by: grant.ref)
            }
        }
        return .denied(closestMiss(source, destination, server: server, tool: tool))
    }

    /// Why nothing allows the request: the first grant missing only the tool, else only the
    /// source, else only the destination; else no grant comes close.
    private func closestMiss(_ source: PolicyNode, _ destination: PolicyNode, server: String, tool: String?) -> DenyReason {
        var missingTool: CompiledGrant?
        var missingSource: CompiledGrant?
        var missingDestination: CompiledGrant?
        for grant in grants where grant.covers(server: server) {
            let src = grant.src.contains(source)
            let dst = grant.dst.contains(destination)
            let toolOK = grant.permits(server: server, tool: tool)
            if src, dst, !toolOK {
                missingTool = missingTool ?? grant
            } else if !src, dst, toolOK {
                missingSource = missingSource ?? grant
            } else if src, !dst, toolOK {
                missingDestination = missingDestination ?? grant
            }
        }
        if let grant = missingTool, let tool {
            let globs = grant.rules.filter { $0.covers(server: server) }.compactMap { $0.tools?.pattern }
            return .toolNotMatched(tool: tool, server: server, grant: grant.ref, globs: globs)
        }
        if let grant = missingSource {
            return .sourceNotMatched(source: source.name, grant: grant.ref, src: grant.srcText)
        }
        if let grant = missingDestination {
            return .destinationNotMatched(destination: destination.name, grant: grant.ref, dst: grant.dstText)
        }
        return .noGrant(source: source.name, target: AccessTarget(peer: destination.name, server: server, tool: tool))
    }
}
