/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The interactive shell's input: on a terminal a small line editor
 * (cursor keys, Home/End, Ctrl-A/E/K/U/W/L, history with Up/Down, Tab
 * completion from the command table), else plain lines. History lives in
 * $XDG_CACHE_HOME/esxsh/history (~/.cache/esxsh/history), at most
 * $ESXSH_HISTSIZE lines (500).
 */

#define _DEFAULT_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "esxsh.h"

static char **hist;
static size_t nhist;

static size_t
hist_max(void)
{
    const char *e = getenv("ESXSH_HISTSIZE");
    long n = e ? strtol(e, NULL, 10) : 500;
    return n > 0 && n <= 100000 ? (size_t)n : 500;
}

static char *
hist_path(bool make_dir)
{
    const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[4096], *path;
    if (cache && *cache)
        snprintf(dir, sizeof(dir), "%s/esxsh", cache);
    else if (home && *home)
        snprintf(dir, sizeof(dir), "%s/.cache/esxsh", home);
    else
        return NULL;
    if (make_dir) {
        char parent[4096];
        snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
        mkdir(parent, 0700);
        mkdir(dir, 0700);
    }
    path = malloc(strlen(dir) + 9);
    if (path)
        sprintf(path, "%s/history", dir);
    return path;
}

void
history_add(const char *text)
{
    char **more, *line;
    size_t len = strlen(text);
    /* Kept without the blanks a completion left at the end. */
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0 || (nhist && strlen(hist[nhist - 1]) == len && strncmp(hist[nhist - 1], text, len) == 0))
        return;
    if (!(line = strndup(text, len)))
        return;
    if (nhist >= hist_max()) {
        free(hist[0]);
        memmove(hist, hist + 1, (nhist - 1) * sizeof(*hist));
        nhist--;
    }
    more = realloc(hist, (nhist + 1) * sizeof(*more));
    if (!more) {
        free(line);
        return;
    }
    hist = more;
    hist[nhist++] = line;
}

void
history_load(void)
{
    char *path = hist_path(false), *line = NULL;
    size_t cap = 0;
    ssize_t len;
    FILE *f = path ? fopen(path, "r") : NULL;
    free(path);
    if (!f)
        return;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        if (*line)
            history_add(line);
    }
    free(line);
    fclose(f);
}

void
history_save(void)
{
    char *path = hist_path(true);
    FILE *f = path ? fopen(path, "w") : NULL;
    free(path);
    if (f) {
        for (size_t i = 0; i < nhist; i++)
            fprintf(f, "%s\n", hist[i]);
        fclose(f);
    }
    for (size_t i = 0; i < nhist; i++)
        free(hist[i]);
    free(hist);
    hist = NULL;
    nhist = 0;
}

/* ---- the editor ---- */

typedef struct {
    char *buf;
    size_t len, cap, pos;
    const char *prompt;
} editor;

static void
ed_reserve(editor *e, size_t more)
{
    if (e->len + more + 1 > e->cap) {
        size_t cap = (e->len + more + 1) * 2;
        char *b = realloc(e->buf, cap);
        if (!b)
            return;
        e->buf = b;
        e->cap = cap;
    }
}

static void
ed_insert(editor *e, const char *s, size_t n)
{
    ed_reserve(e, n);
    if (e->len + n + 1 > e->cap)
        return;
    memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos);
    memcpy(e->buf + e->pos, s, n);
    e->len += n;
    e->pos += n;
    e->buf[e->len] = '\0';
}

static void
ed_set(editor *e, const char *s)
{
    e->len = e->pos = 0;
    ed_insert(e, s, strlen(s));
}

/* Characters (not bytes) between a and b: UTF-8 continuation bytes do not
 * move the cursor. */
static size_t
chars(const char *s, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    return n;
}

static void
ed_refresh(editor *e)
{
    size_t back = chars(e->buf, e->pos, e->len);
    fprintf(stdout, "\r%s%s\033[K", e->prompt, e->buf ? e->buf : "");
    if (back)
        fprintf(stdout, "\033[%zuD", back);
    fflush(stdout);
}

static void
ed_left(editor *e)
{
    while (e->pos > 0) {
        e->pos--;
        if (((unsigned char)e->buf[e->pos] & 0xc0) != 0x80)
            break;
    }
}

static void
ed_right(editor *e)
{
    while (e->pos < e->len) {
        e->pos++;
        if (e->pos == e->len || ((unsigned char)e->buf[e->pos] & 0xc0) != 0x80)
            break;
    }
}

static void
ed_delete(editor *e, size_t from, size_t to)
{
    memmove(e->buf + from, e->buf + to, e->len - to);
    e->len -= to - from;
    e->buf[e->len] = '\0';
    e->pos = from;
}

static void
ed_complete(shell *sh, editor *e)
{
    char **m = complete_line(sh, e->buf, e->pos);
    size_t n = 0, common, start = e->pos;
    if (!m)
        return;
    while (m[n])
        n++;
    while (start > 0 && e->buf[start - 1] != ' ' && e->buf[start - 1] != '\t' && e->buf[start - 1] != ';')
        start--;
    if (n) {
        common = strlen(m[0]);
        for (size_t i = 1; i < n; i++) {
            size_t k = 0;
            while (k < common && m[i][k] == m[0][k])
                k++;
            common = k;
        }
        if (common > e->pos - start) {
            ed_insert(e, m[0] + (e->pos - start), common - (e->pos - start));
            if (n == 1)
                ed_insert(e, " ", 1);
        } else if (n > 1) {
            fputs("\r\n", stdout);
            for (size_t i = 0; i < n; i++)
                fprintf(stdout, "%s%s", m[i], i + 1 < n ? "  " : "\r\n");
        } else if (n == 1) {
            ed_insert(e, " ", 1);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(m[i]);
    free(m);
}

static int
read_byte(void)
{
    unsigned char c;
    for (;;) {
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r == 1)
            return c;
        if (r < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

static char *
edit_line(shell *sh, const char *prompt)
{
    struct termios saved, raw;
    editor e = { NULL, 0, 0, 0, prompt };
    size_t hpos = nhist;
    char *draft = NULL;
    char *result = NULL;
    bool done = false;

    if (tcgetattr(STDIN_FILENO, &saved) < 0)
        return NULL;
    raw = saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
    ed_set(&e, "");
    ed_refresh(&e);
    while (!done) {
        int c = read_byte();
        switch (c) {
        case -1:
        case 4: /* Ctrl-D */
            if (c == 4 && e.len) {
                if (e.pos < e.len) {
                    size_t p = e.pos;
                    ed_right(&e);
                    ed_delete(&e, p, e.pos);
                }
                break;
            }
            done = true;
            break;
        case '\r':
        case '\n':
            result = strdup(e.buf);
            done = true;
            break;
        case 3: /* Ctrl-C: drop the line */
            fputs("^C\r\n", stdout);
            ed_set(&e, "");
            hpos = nhist;
            break;
        case 127:
        case 8:
            if (e.pos > 0) {
                size_t p = e.pos;
                ed_left(&e);
                ed_delete(&e, e.pos, p);
            }
            break;
        case 1: e.pos = 0; break;
        case 5: e.pos = e.len; break;
        case 2: ed_left(&e); break;
        case 6: ed_right(&e); break;
        case 11: ed_delete(&e, e.pos, e.len); break;
        case 21: ed_delete(&e, 0, e.pos); break;
        case 23: {
            size_t p = e.pos;
            while (e.pos > 0 && e.buf[e.pos - 1] == ' ')
                e.pos--;
            while (e.pos > 0 && e.buf[e.pos - 1] != ' ')
                e.pos--;
            ed_delete(&e, e.pos, p);
            break;
        }
        case 12: fputs("\033[H\033[2J", stdout); break;
        case '\t': ed_complete(sh, &e); break;
        case 27: {
            int a = read_byte(), b = a == '[' || a == 'O' ? read_byte() : -1;
            if (b >= '0' && b <= '9') {
                int t = read_byte();
                if (t == '~' && b == '3' && e.pos < e.len) {
                    size_t p = e.pos;
                    ed_right(&e);
                    ed_delete(&e, p, e.pos);
                } else if (t == '~' && (b == '1' || b == '7')) {
                    e.pos = 0;
                } else if (t == '~' && (b == '4' || b == '8')) {
                    e.pos = e.len;
                }
                break;
            }
            if (b == 'A' || b == 'B') {
                if (b == 'A' && hpos > 0) {
                    if (hpos == nhist) {
                        free(draft);
                        draft = strdup(e.buf);
                    }
                    ed_set(&e, hist[--hpos]);
                } else if (b == 'B' && hpos < nhist) {
                    hpos++;
                    ed_set(&e, hpos == nhist ? (draft ? draft : "") : hist[hpos]);
                }
            } else if (b == 'C') {
                ed_right(&e);
            } else if (b == 'D') {
                ed_left(&e);
            } else if (b == 'H') {
                e.pos = 0;
            } else if (b == 'F') {
                e.pos = e.len;
            }
            break;
        }
        default:
            if (c >= 32) {
                char ch = (char)c;
                ed_insert(&e, &ch, 1);
            }
        }
        if (!done)
            ed_refresh(&e);
    }
    tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
    fputs("\r\n", stdout);
    fflush(stdout);
    free(draft);
    free(e.buf);
    return result;
}

char *
read_line(shell *sh, const char *prompt)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    if (sh->istty)
        return edit_line(sh, prompt);
    len = getline(&line, &cap, stdin);
    if (len < 0) {
        free(line);
        return NULL;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    return line;
}
