#ifndef MCPMESH_CSODIUM_SHIM_H
#define MCPMESH_CSODIUM_SHIM_H
#include <sodium.h>
#endif
