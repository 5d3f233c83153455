import XCTest
@testable import MCPBridge

final class BridgeFuzzingTests: XCTestCase {
    func testFuzzEntryPointSurvivesRandomAndStructuredInput() {
        var rng = SeededGenerator(seed: 2024)
        let corpus = [
            #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_x"}]}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"abc"}}"#, "data: {}\n\n", #"{"mcpServers":{"a":{"command":"x"}}}"#,
        ]
        for _ in 0..<500 {
            var bytes = [UInt8.random(in: 0...255, using: &rng)]
            for _ in 0..<Int.random(in: 0...8, using: &rng) {
                if Bool.random(using: &rng) {
                    bytes += Array(corpus.randomElement(using: &rng)!.utf8) + [UInt8(ascii: "\n")]
                } else {
                    bytes += (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                }
            }
            if Bool.random(using: &rng), !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            BridgeFuzzing.run(bytes)
        }
        BridgeFuzzing.run([])
        BridgeFuzzing.run([0] + Array(repeating: UInt8(ascii: "["), count: 10_000))
    }
}
