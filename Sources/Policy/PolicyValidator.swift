/// The checks of meaning that follow decoding: every tag used is declared in `"tags"`,
/// every group used is defined in `"groups"`, and no group contains itself.
enum PolicyValidator {
    static func problems(in file: PolicyFile) -> [PolicyError] {
        let declared = Set(file.tags.map(\.value))
        let defined = Set(file.groups.map(\.name))
        var problems: [PolicyError] = []

        func check(_ selector: Located<PolicySelector>) {
            switch selector.value {
            case .tag(let tag) where !declared.contains(tag):
                problems.append(.undeclaredTag(selector.location, tag: tag))
            case .group(let group) where !defined.contains(group):
                problems.append(.unknownGroup(selector.location, group: group))
            default:
                break
            }
        }
        for group in file.groups { group.members.forEach(check) }
        for grant in file.grants {
            grant.src.forEach(check)
            grant.dst.forEach(check)
        }
        for test in file.tests { check(test.source) }
        return problems + cycles(in: file.groups)
    }

    /// One problem per edge that closes a cycle, at the member that closes it. Iterative, so
    /// a long chain of groups cannot exhaust the stack.
    static func cycles(in groups: [PolicyGroup]) -> [PolicyError] {
        var edges: [String: [Located<String>]] = [:]
        for group in groups {
            edges[group.name] = group.members.compactMap { member in
                guard case .group(let name) = member.value else { return nil }
                return Located(name, at: member.location)
            }
        }
        enum Mark { case onPath, done }
        var marks: [String: Mark] = [:]
        var problems: [PolicyError] = []
        for root in groups where marks[root.name] == nil {
            var path: [(name: String, next: Int)] = [(root.name, 0)]
            marks[root.name] = .onPath
            while let top = path.last {
                let out = edges[top.name] ?? []
                guard top.next < out.count else {
                    marks[top.name] = .done
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                let edge = out[top.next]
                guard edges[edge.value] != nil else { continue }  // unknown group: reported elsewhere
                switch marks[edge.value] {
                case nil:
                    marks[edge.value] = .onPath
                    path.append((edge.value, 0))
                case .onPath:
                    if let start = path.firstIndex(where: { $0.name == edge.value }) {
                        let cycle = path[start...].map(\.name) + [edge.value]
                        problems.append(.groupCycle(edge.location, cycle: cycle))
                    }
                case .done:
                    break
                }
            }
        }
        return problems
    }
}
