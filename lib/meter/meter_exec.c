/*
 * meter_exec.c - running a helper program (ipmitool) for a reading: no
 * shell, stdout and stderr captured together (so that a failure's own
 * words reach the message), killed after a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

extern char **environ;

int wn__meter_run_capture(char *const argv[], unsigned timeout_ms, char *buf,
                          size_t n, int *status)
{
    int rc = WN_OK;
    int fds[2] = { -1, -1 };
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    int fa_ok = 0;
    size_t len = 0;
    buf[0] = '\0';
    if (pipe2(fds, O_CLOEXEC) != 0)
        return wn_seterr(WN_EIO, "%s: pipe: %s", argv[0], strerror(errno));
    if (posix_spawn_file_actions_init(&fa) != 0) {
        rc = wn_seterr(WN_ENOMEM, "%s: spawn setup failed", argv[0]);
        goto out;
    }
    fa_ok = 1;
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    if (e != 0) {
        pid = -1;
        rc = wn_seterr(e == ENOENT ? WN_ENOENT
                       : e == EACCES ? WN_EPERM : WN_ECHILD,
                       "%s: cannot run: %s", argv[0], strerror(e));
        goto out;
    }
    close(fds[1]);
    fds[1] = -1;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - t0.tv_sec) * 1000L +
                     (now.tv_nsec - t0.tv_nsec) / 1000000L;
        if (spent >= (long)timeout_ms) {
            rc = wn_seterr(WN_ETIMEOUT, "%s: no answer within %u ms",
                           argv[0], timeout_ms);
            kill(pid, SIGKILL);
            goto out;
        }
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        int pr = poll(&p, 1, (int)(timeout_ms - (unsigned long)spent));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;   /* the timeout check above ends it */
        char chunk[512];
        ssize_t got = read(fds[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        size_t take = (size_t)got;
        if (take > n - 1 - len)
            take = n - 1 - len;
        memcpy(buf + len, chunk, take);
        len += take;
        buf[len] = '\0';
    }
out:
    if (pid > 0) {
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (status)
            *status = st;
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return rc;
}
