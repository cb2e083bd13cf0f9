#ifndef SLIPWAY_CMICROHTTPD_SHIM_H
#define SLIPWAY_CMICROHTTPD_SHIM_H
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/// The URI log callback type (MHD declares it only inside a varargs comment).
typedef void *(*slipway_mhd_uri_log_callback)(void *cls, const char *uri, struct MHD_Connection *connection);

/// `MHD_start_daemon` is variadic: this wrapper passes the fixed option list Slipway uses.
/// `address` is an IPv4 or IPv6 socket address (its port 0 picks any free port); it is only read
/// during the call; a `per_ip_connection_limit` of 0 means none. `MHD_USE_ITC` is required for `MHD_quiesce_daemon` with internal threads.
static inline struct MHD_Daemon *slipway_mhd_start_daemon(
    unsigned int flags,
    const struct sockaddr *address,
    MHD_AccessHandlerCallback handler, void *handler_cls,
    MHD_RequestCompletedCallback completed, void *completed_cls,
    slipway_mhd_uri_log_callback uri_log, void *uri_log_cls,
    unsigned int thread_pool_size,
    unsigned int connection_timeout_seconds,
    unsigned int connection_limit,
    unsigned int per_ip_connection_limit)
{
    return MHD_start_daemon(
        flags, 0, NULL, NULL, handler, handler_cls,
        MHD_OPTION_SOCK_ADDR, address,
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log, uri_log_cls,
        MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
        MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_connection_limit,
        MHD_OPTION_END);
}

/// The flags Slipway starts every daemon with: a fixed pool of internal polling threads using
/// poll() (each thread watches its share of the connections; epoll measured no faster at 64
/// connections on 4 threads), and the inter-thread channel `MHD_quiesce_daemon` needs.
static inline unsigned int slipway_mhd_daemon_flags(int ipv6)
{
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC;
    if (ipv6) flags |= MHD_USE_IPv6;
    return flags;
}

/// `MHD_get_daemon_info(MHD_DAEMON_INFO_BIND_PORT)` (variadic): the port actually bound, 0 if unknown.
static inline uint16_t slipway_mhd_bound_port(struct MHD_Daemon *daemon)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// `MHD_get_connection_info(MHD_CONNECTION_INFO_CLIENT_ADDRESS)` (variadic) formatted as text
/// into `buffer`; returns 0 on success, -1 when the address is unknown or not IPv4/IPv6.
static inline int slipway_mhd_client_address(struct MHD_Connection *connection, char *buffer, socklen_t size)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL) return -1;
    const struct sockaddr *address = info->client_addr;
    const void *raw;
    if (address->sa_family == AF_INET) raw = &((const struct sockaddr_in *)address)->sin_addr;
    else if (address->sa_family == AF_INET6) raw = &((const struct sockaddr_in6 *)address)->sin6_addr;
    else return -1;
    return inet_ntop(address->sa_family, raw, buffer, size) == NULL ? -1 : 0;
}

#endif
