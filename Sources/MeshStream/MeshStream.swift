// MeshStream module
