import CSodium

/// libsodium's one-time initialisation. Every MeshCrypto entry point that calls into
/// libsodium goes through `Sodium.ready` first; `sodium_init` is idempotent and thread-safe,
/// and the lazily initialised `let` makes the check a single load after the first call.
enum Sodium {
    static let ready: Bool = {
        let rc = sodium_init()
        // 0: initialised now, 1: already initialised. -1 means libsodium cannot work
        // (no entropy source); nothing in the mesh is safe then, so refuse loudly.
        precondition(rc >= 0, "libsodium failed to initialise (sodium_init returned \(rc))")
        return true
    }()

    @inline(__always)
    static func ensure() { _ = ready }
}
