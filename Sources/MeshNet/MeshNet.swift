// MeshNet module
