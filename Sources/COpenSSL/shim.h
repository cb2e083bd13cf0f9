#ifndef SLIPWAY_COPENSSL_SHIM_H
#define SLIPWAY_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/bio.h>

/// A PEM password callback that refuses every passphrase request. Passing it to the PEM readers
/// makes an encrypted key fail to load instead of OpenSSL prompting on the terminal (the default
/// when the callback is NULL).
static inline int slipway_openssl_no_passphrase(char *buf, int size, int rwflag, void *userdata) {
    (void)buf; (void)size; (void)rwflag; (void)userdata;
    return -1;
}
#endif
