#ifndef SLIPWAY_CPQ_SHIM_H
#define SLIPWAY_CPQ_SHIM_H
#include <libpq-fe.h>
#endif
