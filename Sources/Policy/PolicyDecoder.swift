/// Turns a parsed `JSONValue` into a `PolicyFile`, collecting every structural problem
/// (wrong types, unknown or missing fields, empty lists, malformed entries) instead of
/// stopping at the first. Meaning (declared tags, defined groups, cycles) is checked
/// afterwards by `PolicyValidator`.
struct PolicyDecoder {
    private(set) var errors: [PolicyError] = []

    mutating func decode(_ root: JSONValue) -> PolicyFile {
        var file = PolicyFile()
        guard let members = object(root, what: "The policy") else { return file }
        for member in members {
            switch member.key {
            case "tags": file.tags = decodeTags(member.value)
            case "groups": file.groups = decodeGroups(member.value)
            case "grants": file.grants = decodeGrants(member.value)
            case "tests": file.tests = decodeTests(member.value)
            default:
                errors.append(.unknownField(member.keyLocation, field: member.key, container: "the policy",
                                            allowed: PolicyFile.fields))
            }
        }
        return file
    }

    // MARK: Sections

    private mutating func decodeTags(_ value: JSONValue) -> [Located<String>] {
        var tags: [Located<String>] = []
        var first: [String: SourceLocation] = [:]
        for text in strings(value, what: "\"tags\"") {
            if let problem = NameSyntax.problem(in: text.value, prefix: "tag:") {
                errors.append(.invalidTag(text.location, text: text.value, reason: problem))
            } else if let earlier = first[text.value] {
                errors.append(.duplicateTag(text.location, tag: text.value, first: earlier))
            } else {
                first[text.value] = text.location
                tags.append(text)
            }
        }
        return tags
    }

    private mutating func decodeGroups(_ value: JSONValue) -> [PolicyGroup] {
        guard let members = object(value, what: "\"groups\"") else { return [] }
        var groups: [PolicyGroup] = []
        for member in members {
            let selectors = self.selectors(member.value, what: "The group \"\(member.key)\"", kinds: .groupMember)
            if let problem = NameSyntax.problem(in: member.key, prefix: "group:") {
                errors.append(.invalidGroupName(member.keyLocation, text: member.key, reason: problem))
                continue
            }
            groups.append(PolicyGroup(name: member.key, location: member.keyLocation, members: selectors))
        }
        return groups
    }

    private mutating func decodeGrants(_ value: JSONValue) -> [PolicyGrant] {
        guard let elements = list(value, what: "\"grants\"") else { return [] }
        var grants: [PolicyGrant] = []
        for element in elements {
            let what = "Each entry of \"grants\""
            guard let fields = fields(element, what: what, container: "a grant", allowed: ["src", "dst", "mcp"]) else {
                continue
            }
            var grant = PolicyGrant(ref: GrantRef(index: grants.count, location: element.location), src: [], dst: [], mcp: [])
            for name in ["src", "dst", "mcp"] where fields[name] == nil {
                errors.append(.missingField(element.location, field: name, container: "grant"))
            }
            let never = "so the grant can never apply"
            if let src = fields["src"] {
                grant.src = selectors(src.value, what: "The grant's \"src\"", kinds: .grant, emptyMeans: never)
            }
            if let dst = fields["dst"] {
                grant.dst = selectors(dst.value, what: "The grant's \"dst\"", kinds: .grant, emptyMeans: never)
            }
            if let mcp = fields["mcp"] {
                grant.mcp = rules(mcp.value)
            }
            grants.append(grant)
        }
        return grants
    }

    private mutating func decodeTests(_ value: JSONValue) -> [PolicyTest] {
        guard let elements = list(value, what: "\"tests\"") else { return [] }
        var tests: [PolicyTest] = []
        for element in elements {
            let allowed = ["src", "allow", "deny"]
            guard let fields = fields(element, what: "Each entry of \"tests\"", container: "a test", allowed: allowed) else {
                continue
            }
            var source: Located<PolicySelector>?
            if let src = fields["src"] {
                if case .string(let text) = src.value.kind {
                    switch PolicySelector.parse(text, kinds: .testSource) {
                    case .success(let selector): source = Located(selector, at: src.value.location)
                    case .failure(let p):
                        errors.append(.invalidSelector(src.value.location, text: text, reason: p.reason))
                    }
                } else {
                    errors.append(.wrongType(src.value.location, what: "A test's \"src\"", expected: "a string",
                                             found: src.value.typeName))
                }
            } else {
                errors.append(.missingField(element.location, field: "src", container: "test"))
            }
            let allow = fields["allow"].map { targets($0.value, what: "A test's \"allow\"") } ?? []
            let deny = fields["deny"].map { targets($0.value, what: "A test's \"deny\"") } ?? []
            let written = [fields["allow"], fields["deny"]].compactMap { $0?.value }
            if written.allSatisfy({ if case .array(let entries) = $0.kind { entries.isEmpty } else { false } }) {
                errors.append(.emptyTest(element.location))
            }
            if let source {
                tests.append(PolicyTest(index: tests.count, location: element.location, source: source,
                                        allow: allow, deny: deny))
            }
        }
        return tests
    }

    // MARK: Entries

    private mutating func selectors(_ value: JSONValue, what: String, kinds: PolicySelector.Kinds,
                                    emptyMeans: String? = nil) -> [Located<PolicySelector>] {
        strings(value, what: what, emptyMeans: emptyMeans).compactMap { text in
            switch PolicySelector.parse(text.value, kinds: kinds) {
            case .success(let selector):
                return Located(selector, at: text.location)
            case .failure(let problem):
                errors.append(.invalidSelector(text.location, text: text.value, reason: problem.reason))
                return nil
            }
        }
    }

    private mutating func rules(_ value: JSONValue) -> [Located<MCPRule>] {
        let texts = strings(value, what: "The grant's \"mcp\"", emptyMeans: "so the grant gives access to nothing")
        return texts.compactMap { text in
            switch MCPRule.parse(text.value) {
            case .success(let rule):
                return Located(rule, at: text.location)
            case .failure(let problem) where problem.inToolGlob:
                let glob = String(text.value.drop { $0 != ":" }.dropFirst())
                errors.append(.invalidToolGlob(text.location, glob: glob, reason: problem.reason))
                return nil
            case .failure(let problem):
                errors.append(.invalidMCPEntry(text.location, text: text.value, reason: problem.reason))
                return nil
            }
        }
    }

    private mutating func targets(_ value: JSONValue, what: String) -> [Located<AccessTarget>] {
        strings(value, what: what).compactMap { text in
            switch AccessTarget.parse(text.value) {
            case .success(let target):
                return Located(target, at: text.location)
            case .failure(let problem):
                errors.append(.invalidTestTarget(text.location, text: text.value, reason: problem.reason))
                return nil
            }
        }
    }

    // MARK: Shapes

    private mutating func object(_ value: JSONValue, what: String) -> [JSONMember]? {
        guard case .object(let members) = value.kind else {
            errors.append(.wrongType(value.location, what: what, expected: "an object", found: value.typeName))
            return nil
        }
        return members
    }

    /// The members of an object with a fixed set of fields, reporting unknown ones.
    private mutating func fields(_ value: JSONValue, what: String, container: String,
                                 allowed: [String]) -> [String: JSONMember]? {
        guard let members = object(value, what: what) else { return nil }
        var result: [String: JSONMember] = [:]
        for member in members {
            if allowed.contains(member.key) {
                result[member.key] = member
            } else {
                errors.append(.unknownField(member.keyLocation, field: member.key, container: container, allowed: allowed))
            }
        }
        return result
    }

    private mutating func list(_ value: JSONValue, what: String) -> [JSONValue]? {
        guard case .array(let elements) = value.kind else {
            errors.append(.wrongType(value.location, what: what, expected: "a list", found: value.typeName))
            return nil
        }
        return elements
    }

    /// A list of strings; reports a non-list, each non-string element, and (when
    /// `emptyMeans` says why that matters) an empty list.
    private mutating func strings(_ value: JSONValue, what: String, emptyMeans: String? = nil) -> [Located<String>] {
        guard let elements = list(value, what: what) else { return [] }
        if elements.isEmpty, let emptyMeans {
            errors.append(.emptyList(value.location, what: what, consequence: emptyMeans))
        }
        return elements.compactMap { element in
            guard case .string(let text) = element.kind else {
                errors.append(.wrongType(element.location, what: "Each entry of \(what.prefix(1).lowercased() + what.dropFirst())",
                                         expected: "a string", found: element.typeName))
                return nil
            }
            return Located(text, at: element.location)
        }
    }
}
