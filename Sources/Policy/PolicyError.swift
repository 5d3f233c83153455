/// Every problem the Policy module reports: syntax, structure, meaning, failed policy tests
/// and bad `explain` arguments.
///
/// Each case carries where the problem is (a `SourceLocation` in the policy text, or the node
/// or argument concerned) and its `description` reads as one sentence for an operator, prefixed
/// by `line:column: ` when there is a location. Problems in a policy file are reported all at
/// once through `PolicyErrors`.
public enum PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Syntax (the parser stops at the first of these)

    /// The text ended where `expected` should have come.
    case unexpectedEnd(SourceLocation, expected: String)
    /// `found` (already quoted or described) stands where `expected` should be.
    case unexpectedCharacter(SourceLocation, found: String, expected: String)
    /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
    case invalidEscape(SourceLocation, escape: String)
    /// A `\u` escape without four hex digits, or a surrogate without its pair.
    case invalidUnicodeEscape(SourceLocation)
    /// A raw control character (such as a newline or tab) inside a string.
    case controlCharacterInString(SourceLocation)
    /// A string whose closing quote never comes; the location is its opening quote.
    case unterminatedString(SourceLocation)
    /// A `/*` comment without `*/`; the location is the `/*`.
    case unterminatedComment(SourceLocation)
    /// A number that does not follow JSON's number syntax.
    case invalidNumber(SourceLocation, text: String)
    /// Bytes that are not valid UTF-8.
    case invalidUTF8(SourceLocation)
    /// Lists and objects nested deeper than `limit`.
    case nestingTooDeep(SourceLocation, limit: Int)

    // MARK: Structure

    /// A key written twice in the same object; `first` is where it first appeared.
    case duplicateKey(SourceLocation, key: String, first: SourceLocation)
    /// `what` has the wrong JSON type.
    case wrongType(SourceLocation, what: String, expected: String, found: String)
    /// A field the format does not know, inside `container` ("the policy", "a grant", "a test").
    case unknownField(SourceLocation, field: String, container: String, allowed: [String])
    /// A required field is missing from the object at this location.
    case missingField(SourceLocation, field: String, container: String)
    /// A list that must not be empty is empty; `consequence` says why that matters.
    case emptyList(SourceLocation, what: String, consequence: String)
    /// A test with neither `allow` nor `deny` entries.
    case emptyTest(SourceLocation)

    // MARK: Meaning

    /// An entry of `"tags"` that is not `tag:NAME`.
    case invalidTag(SourceLocation, text: String, reason: String)
    /// A tag declared twice in `"tags"`.
    case duplicateTag(SourceLocation, tag: String, first: SourceLocation)
    /// A tag used somewhere but not declared in `"tags"`.
    case undeclaredTag(SourceLocation, tag: String)
    /// A key of `"groups"` that is not `group:NAME`.
    case invalidGroupName(SourceLocation, text: String, reason: String)
    /// A group used somewhere but not defined in `"groups"`.
    case unknownGroup(SourceLocation, group: String)
    /// A group that contains itself; `cycle` starts and ends with the same group.
    case groupCycle(SourceLocation, cycle: [String])
    /// A selector (`tag:X`, `group:X`, `node:NAME`, `*`) that cannot be read.
    case invalidSelector(SourceLocation, text: String, reason: String)
    /// An entry of a grant's `"mcp"` list that cannot be read.
    case invalidMCPEntry(SourceLocation, text: String, reason: String)
    /// A tool glob (the part after `server:`) that cannot be used.
    case invalidToolGlob(SourceLocation, glob: String, reason: String)
    /// A test target that is not `PEER/SERVER` or `PEER/SERVER/TOOL`.
    case invalidTestTarget(SourceLocation, text: String, reason: String)

    // MARK: Policy tests

    /// An expectation of the policy's `"tests"` section did not hold.
    case testFailed(PolicyTestFailure)

    // MARK: Explain arguments (from a command line, so the argument is the "where")

    /// A node named in an `explain` query is not in the node directory.
    case unknownNode(String)
    /// An `explain` source or target argument cannot be read.
    case invalidArgument(String, reason: String)

    /// Where in the policy text the problem is, when it comes from the text.
    public var location: SourceLocation? {
        switch self {
        case .unexpectedEnd(let l, _), .unexpectedCharacter(let l, _, _), .invalidEscape(let l, _),
             .invalidUnicodeEscape(let l), .controlCharacterInString(let l), .unterminatedString(let l),
             .unterminatedComment(let l), .invalidNumber(let l, _), .invalidUTF8(let l),
             .nestingTooDeep(let l, _), .duplicateKey(let l, _, _), .wrongType(let l, _, _, _),
             .unknownField(let l, _, _, _), .missingField(let l, _, _), .emptyList(let l, _, _),
             .emptyTest(let l), .invalidTag(let l, _, _), .duplicateTag(let l, _, _),
             .undeclaredTag(let l, _), .invalidGroupName(let l, _, _), .unknownGroup(let l, _),
             .groupCycle(let l, _), .invalidSelector(let l, _, _), .invalidMCPEntry(let l, _, _),
             .invalidToolGlob(let l, _, _), .invalidTestTarget(let l, _, _):
            return l
        case .testFailed(let failure):
            return failure.location
        case .unknownNode, .invalidArgument:
            return nil
        }
    }

    /// The message without its location prefix.
    public var message: String {
        switch self {
        case .unexpectedEnd(_, let expected):
            return "The text ends where \(expected) was expected."
        case .unexpectedCharacter(_, let found, let expected):
            return "Found \(found) where \(expected) was expected."
        case .invalidEscape(_, let escape):
            return "\"\(escape)\" is not a valid escape in a string; use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX."
        case .invalidUnicodeEscape:
            return "This \\u escape is not valid: it needs four hex digits, and a surrogate needs its pair."
        case .controlCharacterInString:
            return "Strings cannot contain raw control characters such as a line break or tab; write them as escapes."
        case .unterminatedString:
            return "This string is never closed with a double quote."
        case .unterminatedComment:
            return "This /* comment is never closed with */."
        case .invalidNumber(_, let text):
            return "\"\(text)\" is not a valid number."
        case .invalidUTF8:
            return "The text is not valid UTF-8 here."
        case .nestingTooDeep(_, let limit):
            return "Lists and objects are nested more than \(limit) levels deep."
        case .duplicateKey(_, let key, let first):
            return "The key \"\(key)\" appears twice in this object (first at \(first))."
        case .wrongType(_, let what, let expected, let found):
            return "\(what) must be \(expected), but this is \(found)."
        case .unknownField(_, let field, let container, let allowed):
            let list = allowed.map { "\"\($0)\"" }.joined(separator: ", ")
            return "Unknown field \"\(field)\" in \(container); the fields allowed there are \(list)."
        case .missingField(_, let field, let container):
            return "This \(container) is missing its \"\(field)\" field."
        case .emptyList(_, let what, let consequence):
            return "\(what) is an empty list, \(consequence)."
        case .emptyTest:
            return "This test has no \"allow\" or \"deny\" entries, so it checks nothing."
        case .invalidTag(_, let text, let reason):
            return "\"\(text)\" is not a valid tag: \(reason)."
        case .duplicateTag(_, let tag, let first):
            return "\(tag) is declared twice in \"tags\" (first at \(first))."
        case .undeclaredTag(_, let tag):
            return "\(tag) is not declared in \"tags\"."
        case .invalidGroupName(_, let text, let reason):
            return "\"\(text)\" is not a valid group name: \(reason)."
        case .unknownGroup(_, let group):
            return "\(group) is not defined in \"groups\"."
        case .groupCycle(_, let cycle):
            return "\(cycle.first ?? "This group") contains itself: \(cycle.joined(separator: " -> "))."
        case .invalidSelector(_, let text, let reason):
            return "\"\(text)\" is not a valid selector: \(reason)."
        case .invalidMCPEntry(_, let text, let reason):
            return "\"\(text)\" is not a valid \"mcp\" entry: \(reason)."
        case .invalidToolGlob(_, let glob, let reason):
            return "\"\(glob)\" is not a valid tool glob: \(reason)."
        case .invalidTestTarget(_, let text, let reason):
            return "\"\(text)\" is not a valid test target: \(reason)."
        case .testFailed(let failure):
            return failure.message
        case .unknownNode(let name):
            return "There is no node named \"\(name)\"."
        case .invalidArgument(let argument, let reason):
            return "\"\(argument)\" cannot be used here: \(reason)."
        }
    }

    /// `line:column: message`, or just the message when there is no location.
    public var description: String {
        if let location { return "\(location): \(message)" }
        return message
    }
}
