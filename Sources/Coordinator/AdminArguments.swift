/// The `args` object of each admin command, as sent on the wire (keys in snake_case).
enum AdminArguments {
    struct Empty: Codable, Sendable {}
    struct JoinKeyID: Codable, Sendable { var id: String }
    struct Node: Codable, Sendable { var node: String }
    struct NodeTags: Codable, Sendable { var node: String; var tags: [String] }
    struct Version: Codable, Sendable { var version: Int64 }
    struct OptionalVersion: Codable, Sendable { var version: Int64? }
    struct PolicyText: Codable, Sendable { var text: String; var file: String? }
    struct Explain: Codable, Sendable { var source: String; var target: String }
}
