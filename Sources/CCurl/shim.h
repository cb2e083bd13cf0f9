#ifndef SLIPWAY_CCURL_SHIM_H
#define SLIPWAY_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: one typed wrapper per argument type. */

/// `curl_easy_setopt` for options taking a `long`.
static inline CURLcode slipway_curl_easy_setopt_long(CURL *handle, CURLoption option, long value)
{
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a `curl_off_t`.
static inline CURLcode slipway_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value)
{
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a `char *` or another data pointer.
static inline CURLcode slipway_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value)
{
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a `struct curl_slist *`.
static inline CURLcode slipway_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value)
{
    return curl_easy_setopt(handle, option, value);
}

/// Signature of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*slipway_curl_write_callback)(char *data, size_t size, size_t count, void *context);

/// `curl_easy_setopt` for CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION.
static inline CURLcode slipway_curl_easy_setopt_write_callback(CURL *handle, CURLoption option, slipway_curl_write_callback value)
{
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_getinfo` for infos returning a `long`.
static inline CURLcode slipway_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value)
{
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for infos returning a `curl_off_t`.
static inline CURLcode slipway_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value)
{
    return curl_easy_getinfo(handle, info, value);
}

#endif
