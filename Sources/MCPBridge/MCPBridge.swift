// MCPBridge module
