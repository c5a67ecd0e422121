/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Long operations: their progress on a terminal, and Ctrl-C. One thread
 * reads a pipe the SIGINT handler writes to; while a domain task runs it
 * polls esxDomainGetJobInfo for the host's percentage, while a transfer
 * runs it shows the bytes the caller counts. Ctrl-C aborts the task
 * (esxDomainAbortJob) or the transfer; the command then fails, esxsh logs
 * out and exits. A second Ctrl-C leaves at once.
 */

#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "esxsh.h"

enum op_kind { OP_NONE, OP_JOB, OP_TRANSFER };

static struct {
    pthread_mutex_t lock;
    int pipe[2];
    pthread_t thread;
    bool started;
    shell *sh;
    enum op_kind kind;
    esxDomainPtr dom; /* our own reference while a job runs */
    char label[512];
    bool show;
    bool drawn;
    int presses;
    struct timespec start;
    unsigned long long total;
    unsigned long long done; /* atomic */
    int cancelled;           /* atomic */
} S = { .lock = PTHREAD_MUTEX_INITIALIZER, .pipe = { -1, -1 } };

static volatile sig_atomic_t interrupt_flag;

static void
on_sigint(int sig)
{
    int saved = errno;
    char c = 'i';
    (void)sig;
    if (write(S.pipe[1], &c, 1) < 0) {
        /* Nothing to do: the pipe is full of interrupts already. */
    }
    errno = saved;
}

static void
wake(char c)
{
    if (S.pipe[1] >= 0 && write(S.pipe[1], &c, 1) < 0) {
        /* The thread wakes on the next interrupt or its timeout. */
    }
}

bool
progress_wanted(shell *sh, bool verbose)
{
    return isatty(STDERR_FILENO) && (!sh->quiet || verbose);
}

static double
seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Called with the lock held. */
static void
draw_transfer(void)
{
    char done[32], total[32], rate[32];
    unsigned long long n = __atomic_load_n(&S.done, __ATOMIC_RELAXED);
    double secs = seconds_since(&S.start);
    pretty_size(done, sizeof(done), n);
    pretty_size(rate, sizeof(rate), secs > 0 ? (unsigned long long)((double)n / secs) : 0);
    if (S.total) {
        pretty_size(total, sizeof(total), S.total);
        fprintf(stderr, "\r%s: %s of %s [%3d %%] %s/s\033[K", S.label, done, total,
                (int)(n * 100 / S.total), rate);
    } else {
        fprintf(stderr, "\r%s: %s %s/s\033[K", S.label, done, rate);
    }
    fflush(stderr);
    S.drawn = true;
}

static void
draw_job(void)
{
    esxDomainPtr dom;
    esxDomainJobInfo info;
    int rc;

    pthread_mutex_lock(&S.lock);
    dom = S.kind == OP_JOB && S.show ? S.dom : NULL;
    if (dom)
        esxDomainRef(dom);
    pthread_mutex_unlock(&S.lock);
    if (!dom)
        return;
    rc = esxDomainGetJobInfo(dom, &info);
    esxDomainFree(dom);
    pthread_mutex_lock(&S.lock);
    if (rc == 0 && S.kind == OP_JOB && info.type != ESX_DOMAIN_JOB_NONE) {
        if (info.type == ESX_DOMAIN_JOB_BOUNDED && info.dataTotal)
            fprintf(stderr, "\r%s: [%3d %%]\033[K", S.label,
                    (int)(info.dataProcessed * 100 / info.dataTotal));
        else
            fprintf(stderr, "\r%s: %llu s\033[K", S.label, info.timeElapsed / 1000);
        fflush(stderr);
        S.drawn = true;
    }
    pthread_mutex_unlock(&S.lock);
}

static void
leave_now(void)
{
    fprintf(stderr, "\nerror: interrupted twice: leaving now; the session stays on the host "
                    "until it expires\n");
    _exit(130);
}

static void
interrupted(void)
{
    esxDomainPtr dom = NULL;
    pthread_mutex_lock(&S.lock);
    S.presses++;
    if (S.presses >= 2 && (S.kind != OP_NONE || !S.sh->imode)) {
        pthread_mutex_unlock(&S.lock);
        leave_now();
    }
    interrupt_flag = 1;
    switch (S.kind) {
    case OP_NONE:
        break;
    case OP_TRANSFER:
        __atomic_store_n(&S.cancelled, 1, __ATOMIC_RELAXED);
        break;
    case OP_JOB:
        dom = S.dom;
        esxDomainRef(dom);
        break;
    }
    if (S.drawn) {
        fputc('\n', stderr);
        S.drawn = false;
    }
    pthread_mutex_unlock(&S.lock);
    if (!dom)
        return;
    if (esxDomainAbortJob(dom) < 0) {
        esxErrorPtr e = esxGetLastError();
        fprintf(stderr, "error: %s\nerror: waiting for the task to end; Ctrl-C again leaves now "
                        "(the session then stays on the host until it expires)\n",
                e && e->message ? e->message : "the task cannot be cancelled");
    } else {
        fprintf(stderr, "Cancelling the task of domain '%s'\n", esxDomainGetName(dom));
    }
    esxDomainFree(dom);
}

static void *
signal_thread(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd p = { S.pipe[0], POLLIN, 0 };
        int timeout, r;
        pthread_mutex_lock(&S.lock);
        timeout = S.kind != OP_NONE && S.show ? 250 : -1;
        pthread_mutex_unlock(&S.lock);
        r = poll(&p, 1, timeout);
        if (r > 0) {
            char c;
            if (read(S.pipe[0], &c, 1) == 1) {
                if (c == 'q')
                    break;
                if (c == 'i')
                    interrupted();
            }
        }
        pthread_mutex_lock(&S.lock);
        if (S.kind == OP_TRANSFER && S.show)
            draw_transfer();
        pthread_mutex_unlock(&S.lock);
        draw_job();
    }
    return NULL;
}

void
signals_start(shell *sh)
{
    struct sigaction sa;
    S.sh = sh;
    if (pipe(S.pipe) < 0)
        return;
    for (int i = 0; i < 2; i++) {
        fcntl(S.pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(S.pipe[i], F_SETFL, O_NONBLOCK);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    /* As virsh: a closed pipe is a write error the command reports (and then logs out), not a
     * signal that kills the shell with a session left on the host. */
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, NULL);
    if (pthread_create(&S.thread, NULL, signal_thread, NULL) == 0)
        S.started = true;
}

void
signals_stop(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    if (S.started) {
        wake('q');
        pthread_join(S.thread, NULL);
        S.started = false;
    }
    for (int i = 0; i < 2; i++)
        if (S.pipe[i] >= 0) {
            close(S.pipe[i]);
            S.pipe[i] = -1;
        }
}

bool
interrupt_pending(void)
{
    return interrupt_flag != 0;
}

void
interrupt_clear(void)
{
    pthread_mutex_lock(&S.lock);
    interrupt_flag = 0;
    S.presses = 0;
    pthread_mutex_unlock(&S.lock);
}

void
job_begin(shell *sh, esxDomainPtr dom, const char *label, bool verbose)
{
    pthread_mutex_lock(&S.lock);
    S.kind = OP_JOB;
    S.dom = dom;
    esxDomainRef(dom);
    snprintf(S.label, sizeof(S.label), "%s", label);
    S.show = progress_wanted(sh, verbose);
    S.drawn = false;
    clock_gettime(CLOCK_MONOTONIC, &S.start);
    pthread_mutex_unlock(&S.lock);
    wake('w');
}

void
job_end(shell *sh, bool done)
{
    esxDomainPtr dom;
    (void)sh;
    pthread_mutex_lock(&S.lock);
    if (S.drawn) {
        if (done)
            fprintf(stderr, "\r%s: [100 %%]\033[K\n", S.label);
        else
            fputc('\n', stderr);
        fflush(stderr);
    }
    dom = S.dom;
    S.dom = NULL;
    S.kind = OP_NONE;
    S.drawn = false;
    pthread_mutex_unlock(&S.lock);
    if (dom)
        esxDomainFree(dom);
}

void
transfer_begin(shell *sh, const char *label, unsigned long long total, bool verbose)
{
    pthread_mutex_lock(&S.lock);
    S.kind = OP_TRANSFER;
    snprintf(S.label, sizeof(S.label), "%s", label);
    S.show = progress_wanted(sh, verbose);
    S.drawn = false;
    S.total = total;
    __atomic_store_n(&S.done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&S.cancelled, 0, __ATOMIC_RELAXED);
    clock_gettime(CLOCK_MONOTONIC, &S.start);
    pthread_mutex_unlock(&S.lock);
    wake('w');
}

void
transfer_add(unsigned long long bytes)
{
    __atomic_add_fetch(&S.done, bytes, __ATOMIC_RELAXED);
}

bool
transfer_cancelled(void)
{
    return __atomic_load_n(&S.cancelled, __ATOMIC_RELAXED) != 0;
}

void
transfer_end(shell *sh, bool done)
{
    (void)sh;
    pthread_mutex_lock(&S.lock);
    /* The last state stays on the line (a finished transfer always shows
     * its total and rate). */
    if (S.show && (S.drawn || done)) {
        if (done)
            draw_transfer();
        fputc('\n', stderr);
        fflush(stderr);
    }
    S.kind = OP_NONE;
    S.drawn = false;
    pthread_mutex_unlock(&S.lock);
}
