/// Running the policy's own `"tests"` section.
extension CompiledPolicy {
    /// Checks every `allow` and `deny` expectation of every test.
    ///
    /// A `node:NAME` source is looked up in the directory; a `tag:NAME` source is a
    /// hypothetical node holding only that tag. Each target's peer must be in the directory.
    /// Tests check what the policy says about the nodes' names and tags: they ignore expiry
    /// and which servers a node currently publishes, so that a node going offline cannot make
    /// an unrelated policy change fail. An allow target `PEER/SERVER` holds when some tool of
    /// the server is permitted; a deny target `PEER/SERVER` holds only when none is.
    public func runTests() -> PolicyTestReport {
        var report = PolicyTestReport(tests: file.tests.count, expectations: 0, failures: [])
        for test in file.tests {
            let expectations: [(PolicyTestFailure.Expectation, [Located<AccessTarget>])] =
                [(.allow, test.allow), (.deny, test.deny)]
            report.expectations += test.allow.count + test.deny.count
            var failure = PolicyTestFailure(test: test.index, testLocation: test.location,
                                            location: test.source.location, source: test.source.value.description,
                                            expectation: nil, target: nil, reason: .unknownSource)
            let source: PolicyNode
            switch test.source.value {
            case .tag(let tag):
                source = PolicyNode(name: tag, tags: [tag])
            case .node(let name):
                guard let node = nodes[name] else {
                    report.failures.append(failure)
                    continue
                }
                source = node
            case .any, .group:
                continue  // the decoder accepts only node: and tag: sources
            }
            for (expectation, targets) in expectations {
                for target in targets {
                    failure.location = target.location
                    failure.expectation = expectation
                    failure.target = target.value
                    guard let peer = nodes[target.value.peer] else {
                        failure.reason = .unknownPeer
                        report.failures.append(failure)
                        continue
                    }
                    let decision = evaluate(source, peer, server: target.value.server, tool: target.value.tool,
                                            checkingNodeState: false)
                    switch (expectation, decision) {
                    case (.allow, .denied(let why)):
                        failure.reason = .denied(why)
                        report.failures.append(failure)
                    case (.deny, .allowed(let grant)):
                        failure.reason = .allowed(by: grant)
                        report.failures.append(failure)
                    case (.allow, .allowed), (.deny, .denied):
                        break
                    }
                }
            }
        }
        return report
    }
}
