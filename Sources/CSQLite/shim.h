#ifndef SLIPWAY_CSQLITE_SHIM_H
#define SLIPWAY_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
