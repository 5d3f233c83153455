import Foundation
import MeshCrypto
import XCTest
@testable import Coordinator

/// The state directory, the identity file and the lock: modes, reloading and refusals.
final class StateFilesTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = try TemporaryDirectory.make()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func testStateDirectoryIsCreatedPrivateAndTightened() throws {
        let directory = StateDirectory(root + "/a/b/state/")
        XCTAssertEqual(directory.path, root + "/a/b/state")
        XCTAssertNil(try directory.create())
        XCTAssertEqual(TemporaryDirectory.mode(directory.path), 0o700)
        XCTAssertEqual(TemporaryDirectory.mode(root + "/a/b"), 0o700)

        chmod(directory.path, 0o755)
        let warning = try directory.create()
        XCTAssertEqual(warning, "the state directory \(directory.path) had mode 0755; set it to 0700")
        XCTAssertEqual(TemporaryDirectory.mode(directory.path), 0o700)

        FileManager.default.createFile(atPath: root + "/file", contents: Data())
        XCTAssertThrowsError(try StateDirectory(root + "/file").create()) { error in
            XCTAssertEqual("\(error)", "cannot use the state directory \(root)/file: it exists and is not a directory")
        }
    }

    func testIdentityIsMadeOnceWithMode0600AndReloaded() throws {
        let path = root + "/coordinator.key"
        let (made, created) = try IdentityFile.loadOrCreate(at: path)
        XCTAssertTrue(created)
        XCTAssertEqual(TemporaryDirectory.mode(path), 0o600)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, 32)
        let (again, createdAgain) = try IdentityFile.loadOrCreate(at: path)
        XCTAssertFalse(createdAgain)
        XCTAssertEqual(again.publicKey, made.publicKey)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".new"))
        XCTAssertFalse("\(made)".contains(Hex.encode(made.seed.withUnsafeBytes { Array($0) })), "never printed")
    }

    func testIdentityFileOthersCanReadOrOfTheWrongSizeIsRefused() throws {
        let path = root + "/coordinator.key"
        _ = try IdentityFile.loadOrCreate(at: path)
        chmod(path, 0o644)
        XCTAssertThrowsError(try IdentityFile.load(from: path)) { error in
            XCTAssertEqual("\(error)", "cannot use the coordinator identity file \(path): it has mode 0644, so other users "
                           + "could read the coordinator's private key; run `chmod 600 \(path)` if it was not exposed")
        }
        chmod(path, 0o600)
        try Data(repeating: 1, count: 31).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        XCTAssertThrowsError(try IdentityFile.load(from: path)) { error in
            XCTAssertTrue("\(error)".hasSuffix("it holds 31 bytes; a coordinator key file holds exactly 32"), "\(error)")
        }
    }

    func testTheLockAdmitsOneServerAtATime() throws {
        let directory = StateDirectory(root)
        var first: StateLock? = try StateLock(directory)
        XCTAssertEqual(TemporaryDirectory.mode(directory.lockPath), 0o600)
        XCTAssertThrowsError(try StateLock(directory)) { error in
            XCTAssertEqual(error as? CoordinatorError, .alreadyRunning(stateDirectory: root, pid: getpid()))
            XCTAssertEqual("\(error)", "another mcpmesh-coordinator (pid \(getpid())) is already serving \(root); stop it first")
        }
        XCTAssertNotNil(first)
        first = nil
        XCTAssertNoThrow(try StateLock(directory), "released when the holder goes away")
    }
}

/// Short temporary directories (a unix socket path must fit in 108 bytes).
enum TemporaryDirectory {
    static func make() throws -> String {
        var template = Array("/tmp/mcc-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CoordinatorError.stateDirectory(path: "/tmp", reason: "mkdtemp failed")
        }
        return String(cString: made)
    }

    static func mode(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_mode & 0o7777)
    }
}
