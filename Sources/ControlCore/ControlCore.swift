// ControlCore module
