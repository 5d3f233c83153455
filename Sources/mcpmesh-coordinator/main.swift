import Coordinator
print("mcpmesh-coordinator")
