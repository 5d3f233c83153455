/// HMAC-BLAKE2b-512 values computed independently with Python's `hmac` and `hashlib.blake2b`.
enum HMACVectors {
    static let hiThere = "358a6a184924894fc34bee5680eedf57d84a37bb38832f288e3b27dc63a98cc8c91e76da476b508bc6b2d408a248857452906e4a20b48c6b4b55d2df0fe1dd24"
    static let longKey = "a54b2943b2a20227d41ca46c0945af09bc1faefb2f49894c23aebc557fb79c4889dca74408dc865086667aedee4a3185c53a49c80b814c4c5813ea0c8b38a8f8"
}
