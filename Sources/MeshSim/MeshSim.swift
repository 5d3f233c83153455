// MeshSim module
