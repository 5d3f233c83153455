print("mcpmesh")
