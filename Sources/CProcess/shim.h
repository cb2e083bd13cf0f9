#ifndef SLIPWAY_CPROCESS_SHIM_H
#define SLIPWAY_CPROCESS_SHIM_H
/* glibc (>= 2.34) process-control calls Swift's Glibc module hides (they are GNU extensions,
 * declared only under _GNU_SOURCE) or cannot import (prctl is variadic). Declared here with
 * their glibc prototypes and wrapped in prefixed inline functions, with the one malloc setting
 * the bot makes; only the Runner target's process layer imports this module. */
#include <spawn.h>
#include <signal.h>
#include <fcntl.h>
#include <malloc.h>

extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
extern int pipe2(int fds[2], int flags);
extern int prctl(int option, ...);

/* POSIX_SPAWN_SETSID (glibc's value): the child starts a new session and process group. */
static const short slipway_spawn_setsid = 0x80;

/* The child runs in `path` (chdir between fork and exec). */
static inline int slipway_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

/* Every descriptor from `from` up is closed in the child (none of the bot's leaks to user code). */
static inline int slipway_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/* A pipe whose two ends are close-on-exec from the start (no window for another spawn). */
static inline int slipway_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

/* PR_SET_CHILD_SUBREAPER (36): orphaned descendants are reparented to this process. */
static inline int slipway_set_child_subreaper(void) {
    return prctl(36, 1L, 0L, 0L, 0L);
}

/* PR_SET_DUMPABLE (4) to 0: no core dumps, and processes of the same uid cannot ptrace this one
 * or read its /proc/<pid>/environ, mem, maps (they become root-owned). */
static inline int slipway_set_not_dumpable(void) {
    return prctl(4, 0L, 0L, 0L, 0L);
}

/* PR_GET_DUMPABLE (3): 1 when dumpable, 0 when not. */
static inline int slipway_get_dumpable(void) {
    return prctl(3, 0L, 0L, 0L, 0L);
}
/* glibc's malloc keeps at most `count` arenas (M_ARENA_MAX; its default is 8 per core). Each
 * arena keeps the memory its threads freed, so many arenas raise the resident size with no gain
 * for a server whose threads mostly wait. Returns 1 on success. */
static inline int slipway_malloc_arena_max(int count) {
    return mallopt(M_ARENA_MAX, count);
}

#endif
