import Foundation
import MeshCrypto
import MeshWire
import Registry
import XCTest
@testable import Coordinator

/// A clock tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }

    var function: @Sendable () -> Date { { self.now } }
}

/// A seeded byte source (SplitMix64), so join key ids and secrets are reproducible.
final class SeededBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var state: UInt64

    init(seed: UInt64 = 42) { state = seed }

    func bytes(_ count: Int) -> [UInt8] {
        lock.withLock {
            (0..<count).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return UInt8(truncatingIfNeeded: z ^ (z >> 31))
            }
        }
    }

    var function: @Sendable (Int) -> [UInt8] { { self.bytes($0) } }
}

/// Policy texts used across the tests.
enum Policies {
    /// laptops may use every tool of `files` and `git:read_*` on NAS nodes.
    static let laptopsToNAS = """
        {
          // Tags nodes may hold.
          "tags": ["tag:laptop", "tag:nas", "tag:gpu"],
          "grants": [
            { "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files", "git:read_*"] },
          ],
          "tests": [
            { "src": "tag:laptop", "allow": ["nas-1/files/read_file"], "deny": ["nas-1/git/write_file"] },
          ],
        }

        """

    /// laptops may use only `files:read_*` on NAS nodes; GPUs everything on NAS.
    static let narrower = """
        {
          "tags": ["tag:laptop", "tag:nas", "tag:gpu"],
          "grants": [
            { "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files:read_*"] },
            { "src": ["tag:gpu"], "dst": ["tag:nas"], "mcp": ["*"] },
          ],
          "tests": [
            { "src": "tag:laptop", "allow": ["nas-1/files/read_file"], "deny": ["nas-1/files/write_file"] },
          ],
        }

        """

    /// Declares the tags and grants laptops `files` on NAS nodes; no tests, so it applies
    /// before any node has joined.
    static let tagsOnly = """
        {
          "tags": ["tag:laptop", "tag:nas", "tag:gpu"],
          "grants": [ { "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files"] } ],
        }

        """

    /// Three problems at once: an invalid tag, an unknown group, a bad tool glob.
    static let threeProblems = """
        {
          "tags": ["nas", "tag:laptop"],
          "grants": [
            { "src": ["group:missing"], "dst": ["tag:laptop"], "mcp": ["files:read_[ab]"] },
          ],
        }

        """

    /// Valid, but its test fails: laptops are not granted git writes.
    static let failingTest = """
        {
          "tags": ["tag:laptop", "tag:nas"],
          "grants": [ { "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["git:read_*"] } ],
          "tests": [ { "src": "tag:laptop", "allow": ["nas-1/git/write_file"] } ],
        }

        """
}

/// Registers nodes straight in a registry, the way the control service will on a join.
enum Nodes {
    /// Makes a reusable join key with `tags` and registers `name` with it (publishing `servers`).
    @discardableResult
    static func register(_ name: String, tags: [String], servers: [String] = ["files", "git"],
                         in registry: Registry, now: Date = Date(), keyLifetime: TimeInterval = 180 * 86_400)
        throws -> RegisteredNode {
        var rng = SystemRandom()
        let secret = rng.bytes(32)
        let hash = JoinKey.hash(secret: secret)
        try registry.createJoinKey(NewJoinKey(id: "k-\(name)", secretHash: hash, tags: tags, reusable: true),
                                   actor: "test", now: now)
        let registration = NodeRegistration(name: name, publicKey: IdentitySecretKey.generate().publicKey.text,
                                            servers: servers, endpoints: ["192.0.2.1:41641"],
                                            keyExpiry: now.addingTimeInterval(keyLifetime))
        return try registry.registerNode(registration, joinKeySecretHash: hash, now: now)
    }

    /// The same through the state, so the live directory follows.
    @discardableResult
    static func register(_ name: String, tags: [String], servers: [String] = ["files", "git"],
                         in state: CoordinatorState, now: Date, keyLifetime: TimeInterval = 180 * 86_400)
        async throws -> RegisteredNode {
        var rng = SystemRandom()
        let secret = rng.bytes(32)
        let hash = JoinKey.hash(secret: secret)
        try state.registry.createJoinKey(NewJoinKey(id: "k-\(name)", secretHash: hash, tags: tags, reusable: true),
                                         actor: "test", now: now)
        let registration = NodeRegistration(name: name, publicKey: IdentitySecretKey.generate().publicKey.text,
                                            servers: servers, endpoints: ["192.0.2.1:41641"],
                                            keyExpiry: now.addingTimeInterval(keyLifetime))
        return try await state.registerNode(registration, joinKeySecretHash: hash)
    }
}

/// An in-memory coordinator answering admin requests in-process: the state, the handler and
/// a typed `call`.
struct InProcessCoordinator {
    let clock = ManualClock()
    let registry: Registry
    let state: CoordinatorState
    let handler: AdminHandler
    let identity = IdentitySecretKey.generate()
    let address = HostPort("coord.example.com:41641")!

    init() throws {
        registry = try Registry.inMemory()
        state = try CoordinatorState(registry: registry, clock: clock.function, randomBytes: SeededBytes().function)
        handler = AdminHandler(state: state, issuer: JoinKeyIssuer(coordinatorKey: identity.publicKey, address: address),
                               info: .init(listen: "127.0.0.1:41641", stateDirectory: "/nowhere", pid: 1,
                                           startedAt: clock.now),
                               clock: clock.function)
    }

    /// Sends `command` as a request line and decodes the reply line.
    func call<R: Codable & Sendable>(_ command: AdminCommand, as type: R.Type = R.self,
                                     actor: String = "tester") async throws -> R {
        try await reply(command, as: type, actor: actor).get()
    }

    /// The whole reply to `command`.
    func reply<R: Codable & Sendable>(_ command: AdminCommand, as type: R.Type = R.self,
                                      actor: String = "tester") async throws -> AdminReply<R> {
        let line = AdminRequest(command: command, actor: actor, id: 9).encodedLine()
        XCTAssertEqual(line.last, UInt8(ascii: "\n"))
        let reply = await handler.handle(line: line.dropLast())
        XCTAssertEqual(reply.last, UInt8(ascii: "\n"), "a reply is one line")
        XCTAssertEqual(reply.dropLast().firstIndex(of: UInt8(ascii: "\n")), nil, "a reply is one line")
        return try AdminJSON.decoder().decode(AdminReply<R>.self, from: Data(reply))
    }

    /// The failure `command` is refused with.
    func failure(_ command: AdminCommand, file: StaticString = #filePath, line: UInt = #line) async throws -> AdminFailure {
        let reply = try await reply(command, as: AdminArguments.Empty.self)
        XCTAssertFalse(reply.ok, "expected \(command.name) to be refused", file: file, line: line)
        return try XCTUnwrap(reply.error, file: file, line: line)
    }
}
