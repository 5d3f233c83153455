import ArgumentParser

/// `policy` (alias `acl`): the ACL policy and its history.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show, check, set, roll back and explain the ACL policy.",
        discussion: "docs/policy.md describes the file format, its meaning and every error message.",
        subcommands: [PolicyGet.self, PolicyCheck.self, PolicySet.self, PolicyHistory.self, PolicyRollback.self,
                      PolicyExplain.self],
        aliases: ["acl"]
    )
}
