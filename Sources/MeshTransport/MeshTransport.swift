// MeshTransport module
