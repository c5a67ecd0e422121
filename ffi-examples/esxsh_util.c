/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esxsh's helpers: output and errors as virsh prints them, lookups as
 * virsh makes them, virsh's tables, sizes, files, and a small reader for
 * the XML the library writes.
 */

#define _XOPEN_SOURCE 700

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "esxsh.h"

/* ---- output and errors ---- */

void
out(shell *sh, const char *fmt, ...)
{
    va_list ap;
    (void)sh;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void
out_extra(shell *sh, const char *fmt, ...)
{
    va_list ap;
    if (sh->quiet)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void
err(shell *sh, const char *fmt, ...)
{
    va_list ap;
    (void)sh;
    /* As virsh: stdout first, so that 2>&1 keeps the order. */
    fflush(stdout);
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

bool
save_error(shell *sh)
{
    esxErrorPtr e = esxGetLastError();
    if (!sh->last_error && e && e->code != ESX_ERR_OK) {
        sh->last_error = strdup(e->message ? e->message : "unknown error");
        sh->last_code = e->code;
    }
    return false;
}

void
report_error(shell *sh)
{
    if (sh->last_error)
        err(sh, "%s", sh->last_error);
    reset_error(sh);
}

void
reset_error(shell *sh)
{
    free(sh->last_error);
    sh->last_error = NULL;
    sh->last_code = 0;
    esxResetLastError();
}

/* ---- lookups ---- */

esxDomainPtr
lookup_domain(shell *sh, const char *name, unsigned int by)
{
    esxConnectPtr conn = need_conn(sh);
    esxDomainPtr dom = NULL;
    char *end;
    long id;

    if (!conn)
        return NULL;
    errno = 0;
    id = strtol(name, &end, 10);
    if ((by & BY_ID) && *name && !*end && !errno && id >= 0 && id <= 0x7fffffff)
        dom = esxDomainLookupByID(conn, (int)id);
    if (!dom && (by & BY_UUID) && strlen(name) == ESX_UUID_STRING_BUFLEN - 1)
        dom = esxDomainLookupByUUIDString(conn, name);
    if (!dom && (by & BY_NAME))
        dom = esxDomainLookupByName(conn, name);
    /* As virsh: the lookups' own errors are not shown. */
    if (!dom) {
        reset_error(sh);
        err(sh, "failed to get domain '%s'", name);
    }
    return dom;
}

esxDomainPtr
opt_domain(shell *sh, const cmd *c, unsigned int by)
{
    const char *name = opt_string(c, "domain");
    if (!name) {
        err(sh, "command '%s' requires <domain> option", c->def->name);
        return NULL;
    }
    return lookup_domain(sh, name, by);
}

esxStoragePoolPtr
lookup_pool(shell *sh, const char *name, unsigned int by)
{
    esxConnectPtr conn = need_conn(sh);
    esxStoragePoolPtr pool = NULL;
    if (!conn)
        return NULL;
    if ((by & BY_UUID) && strlen(name) == ESX_UUID_STRING_BUFLEN - 1)
        pool = esxStoragePoolLookupByUUIDString(conn, name);
    if (!pool && (by & BY_NAME))
        pool = esxStoragePoolLookupByName(conn, name);
    if (!pool) {
        save_error(sh);
        err(sh, "failed to get pool '%s'", name);
    }
    return pool;
}

esxStoragePoolPtr
opt_pool(shell *sh, const cmd *c, const char *optname, unsigned int by)
{
    const char *name = opt_string(c, optname);
    if (!name) {
        err(sh, "command '%s' requires <%s> option", c->def->name, optname);
        return NULL;
    }
    return lookup_pool(sh, name, by);
}

/* As virsh: by name in the pool when one is given, then (BY_UUID) by key,
 * then by path; a volume found outside the given pool is refused. */
esxStorageVolPtr
opt_vol(shell *sh, const cmd *c, const char *optname, const char *poolopt, unsigned int by)
{
    const char *what = opt_string(c, optname);
    const char *pool_name = poolopt ? opt_string(c, poolopt) : NULL;
    esxStoragePoolPtr pool = NULL;
    esxStorageVolPtr vol = NULL;
    esxConnectPtr conn;

    if (!what) {
        err(sh, "command '%s' requires <%s> option", c->def->name, optname);
        return NULL;
    }
    if (!(conn = need_conn(sh)))
        return NULL;
    if (pool_name) {
        if (!(pool = lookup_pool(sh, pool_name, BY_ANY)))
            return NULL;
        if (esxStoragePoolIsActive(pool) != 1) {
            err(sh, "pool '%s' is not active", pool_name);
            esxStoragePoolFree(pool);
            return NULL;
        }
    }
    if (pool && (by & BY_NAME))
        vol = esxStorageVolLookupByName(pool, what);
    if (!vol && (by & BY_UUID))
        vol = esxStorageVolLookupByKey(conn, what);
    if (!vol && (by & BY_UUID))
        vol = esxStorageVolLookupByPath(conn, what);
    if (!vol) {
        save_error(sh);
        if (pool || !poolopt)
            err(sh, "failed to get vol '%s'", what);
        else
            err(sh, "failed to get vol '%s', specifying --%s might help", what, poolopt);
    } else if (pool) {
        esxStoragePoolPtr in = esxStoragePoolLookupByVolume(vol);
        if (in && strcmp(esxStoragePoolGetName(in), esxStoragePoolGetName(pool)) != 0) {
            err(sh, "Requested volume '%s' is not in pool '%s'", what, esxStoragePoolGetName(pool));
            esxStorageVolFree(vol);
            vol = NULL;
        }
        if (in)
            esxStoragePoolFree(in);
    }
    if (vol)
        reset_error(sh);
    if (pool)
        esxStoragePoolFree(pool);
    return vol;
}

/* ---- tables (virsh's vshTable) ---- */

table *
table_new(size_t ncols, ...)
{
    table *t = calloc(1, sizeof(*t));
    const char *row[16];
    va_list ap;
    if (!t || ncols > 16) {
        free(t);
        return NULL;
    }
    t->ncols = ncols;
    va_start(ap, ncols);
    for (size_t i = 0; i < ncols; i++)
        row[i] = va_arg(ap, const char *);
    va_end(ap);
    table_add_row(t, row);
    return t;
}

void
table_add_row(table *t, const char *const *row)
{
    char **more;
    if (!t)
        return;
    more = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
    if (!more)
        return;
    t->cells = more;
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = strdup(row[c] ? row[c] : "");
    t->nrows++;
}

void
table_add(table *t, ...)
{
    const char *row[16];
    va_list ap;
    if (!t)
        return;
    va_start(ap, t);
    for (size_t i = 0; i < t->ncols; i++)
        row[i] = va_arg(ap, const char *);
    va_end(ap);
    table_add_row(t, row);
}

/* A cell as virsh shows it: control characters and what the locale cannot
 * print as \xNN (virsh writes the signed char, cut to four characters),
 * and its width on the terminal. */
static char *
safe_encode(const char *s, size_t *width)
{
    size_t sz = strlen(s);
    char *buf = calloc(sz * 4 + 1, 1), *o = buf;
    const char *p = s;
    mbstate_t st;

    memset(&st, 0, sizeof(st));
    *width = 0;
    if (!buf)
        return NULL;
    while (*p) {
        if ((*p == '\\' && p[1] == 'x') || ((unsigned char)*p < 0x80 && iscntrl((unsigned char)*p))) {
            snprintf(o, 5, "\\x%02x", *p);
            o += strlen(o);
            *width += 4;
            p++;
            continue;
        }
        {
            wchar_t wc;
            size_t len = mbrtowc(&wc, p, MB_CUR_MAX, &st);
            if (len == 0)
                break;
            if (len == (size_t)-1 || len == (size_t)-2) {
                memset(&st, 0, sizeof(st));
                if ((unsigned char)*p >= 0x80 || !isprint((unsigned char)*p)) {
                    snprintf(o, 5, "\\x%02x", *p);
                    o += strlen(o);
                    *width += 4;
                } else {
                    *o++ = *p;
                    (*width)++;
                }
                p++;
            } else if (!iswprint((wint_t)wc)) {
                for (size_t i = 0; i < len; i++) {
                    snprintf(o, 5, "\\x%02x", p[i]);
                    o += strlen(o);
                    *width += 4;
                }
                p += len;
            } else {
                int w = wcwidth(wc);
                memcpy(o, p, len);
                o += len;
                *width += w < 0 ? 1 : (size_t)w;
                p += len;
            }
        }
    }
    *o = '\0';
    return buf;
}

void
table_print(shell *sh, table *t)
{
    size_t *maxw, *w;
    bool header = !sh->quiet;

    if (!t)
        return;
    maxw = calloc(t->ncols, sizeof(size_t));
    w = calloc(t->nrows * t->ncols, sizeof(size_t));
    if (maxw && w) {
        for (size_t r = header ? 0 : 1; r < t->nrows; r++)
            for (size_t c = 0; c < t->ncols; c++) {
                size_t i = r * t->ncols + c;
                char *enc = safe_encode(t->cells[i], &w[i]);
                if (enc) {
                    free(t->cells[i]);
                    t->cells[i] = enc;
                }
                if (w[i] > maxw[c])
                    maxw[c] = w[i];
            }
        for (size_t r = header ? 0 : 1; r < t->nrows; r++) {
            for (size_t c = 0; c < t->ncols; c++) {
                size_t i = r * t->ncols + c;
                printf(" %s", t->cells[i]);
                if (c + 1 < t->ncols)
                    printf("%*s", (int)(maxw[c] - w[i] + 2), "");
            }
            printf("\n");
            if (r == 0) {
                for (size_t c = 0; c < t->ncols; c++)
                    for (size_t k = 0; k < maxw[c] + 3; k++)
                        putchar('-');
                printf("\n");
            }
        }
    }
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
    free(maxw);
    free(w);
}

/* ---- sizes ---- */

/* virsh's scaled integers: a number with an optional unit (b, k or KiB,
 * KB, M or MiB, MB, ... E); `scale` is the unit of a bare number. */
int
parse_scaled(const char *text, unsigned long long scale, unsigned long long max,
             unsigned long long *out)
{
    char *end;
    unsigned long long base = 1024, mult = 1, value;
    int power = 0;

    if (!text || !isdigit((unsigned char)*text))
        return -1;
    errno = 0;
    value = strtoull(text, &end, 10);
    if (errno)
        return -1;
    if (!*end) {
        mult = scale;
    } else {
        switch (tolower((unsigned char)*end)) {
        case 'b': power = 0; break;
        case 'k': power = 1; break;
        case 'm': power = 2; break;
        case 'g': power = 3; break;
        case 't': power = 4; break;
        case 'p': power = 5; break;
        case 'e': power = 6; break;
        default: return -1;
        }
        end++;
        if (power == 0 && (strcasecmp(end, "yte") == 0 || strcasecmp(end, "ytes") == 0))
            end += strlen(end);
        else if (power > 0 && (*end == 'B' || *end == 'b') && end[1] == '\0') {
            base = 1000;
            end++;
        } else if (power > 0 && strcasecmp(end, "iB") == 0) {
            end += 2;
        }
        if (*end)
            return -1;
        for (int i = 0; i < power; i++)
            mult *= base;
    }
    if (mult && value > max / mult)
        return -1;
    *out = value * mult;
    return 0;
}

/* virsh's vshPrettyCapacity with "%.2lf %s". */
void
pretty_size(char *buf, size_t size, unsigned long long bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double limit = 1024;
    size_t u = 0;

    while (u + 1 < sizeof(units) / sizeof(units[0]) && (double)bytes >= limit) {
        limit *= 1024;
        u++;
    }
    snprintf(buf, size, "%.2lf %s", (double)bytes / (limit / 1024), units[u]);
}

/* ---- files ---- */

char *
read_file(shell *sh, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (!f) {
        err(sh, "Failed to open file '%s': %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t got;
        if (len + 4096 + 1 > cap) {
            char *more = realloc(buf, cap = cap ? cap * 2 : 8192);
            if (!more)
                break;
            buf = more;
        }
        got = fread(buf + len, 1, 4096, f);
        len += got;
        if (len > 10 * 1024 * 1024) {
            err(sh, "File '%s' is too large", path);
            free(buf);
            fclose(f);
            return NULL;
        }
        if (got < 4096)
            break;
    }
    if (ferror(f) || !buf) {
        err(sh, "Failed to read file '%s': %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

char *
xml_escape(const char *s)
{
    size_t n = 1;
    char *o, *p;
    for (const char *q = s; *q; q++)
        n += *q == '&' ? 5 : (*q == '<' || *q == '>') ? 4 : (*q == '\'' || *q == '"') ? 6 : 1;
    if (!(o = p = malloc(n)))
        return NULL;
    for (; *s; s++) {
        const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                      : *s == '\'' ? "&apos;" : *s == '"' ? "&quot;" : NULL;
        if (e) {
            strcpy(p, e);
            p += strlen(e);
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    return o;
}

/* ---- states (virsh's words) ---- */

const char *
state_name(int state)
{
    switch (state) {
    case ESX_DOMAIN_RUNNING: return "running";
    case ESX_DOMAIN_BLOCKED: return "idle";
    case ESX_DOMAIN_PAUSED: return "paused";
    case ESX_DOMAIN_SHUTDOWN: return "in shutdown";
    case ESX_DOMAIN_SHUTOFF: return "shut off";
    case ESX_DOMAIN_CRASHED: return "crashed";
    case ESX_DOMAIN_PMSUSPENDED: return "pmsuspended";
    default: return "no state";
    }
}

const char *
state_reason(int state, int reason)
{
    static const char *const running[] = { "unknown", "booted", "migrated", "restored",
                                           "from snapshot", "unpaused", "migration canceled",
                                           "save canceled", "event wakeup", "crashed",
                                           "post-copy", "post-copy failed" };
    static const char *const paused[] = { "unknown", "user", "migrating", "saving", "dumping",
                                          "I/O error", "watchdog", "from snapshot",
                                          "shutting down", "creating snapshot", "crashed",
                                          "starting up", "post-copy", "post-copy failed",
                                          "api error" };
    static const char *const shutoff[] = { "unknown", "shutdown", "destroyed", "crashed",
                                           "migrated", "saved", "failed", "from snapshot",
                                           "daemon" };
    static const char *const shutdown[] = { "unknown", "user" };
    static const char *const crashed[] = { "unknown", "panicked" };
    static const char *const other[] = { "unknown" };
    const char *const *names;
    size_t n;
#define PICK(a) (names = (a), n = sizeof(a) / sizeof((a)[0]))
    switch (state) {
    case ESX_DOMAIN_RUNNING: PICK(running); break;
    case ESX_DOMAIN_PAUSED: PICK(paused); break;
    case ESX_DOMAIN_SHUTOFF: PICK(shutoff); break;
    case ESX_DOMAIN_SHUTDOWN: PICK(shutdown); break;
    case ESX_DOMAIN_CRASHED: PICK(crashed); break;
    default: PICK(other); break;
    }
#undef PICK
    return reason >= 0 && (size_t)reason < n ? names[reason] : "unknown";
}

/* ---- a small XML reader ---- */

struct xml_node {
    char *name;
    char **attrs; /* name, value, ... */
    size_t nattrs;
    char *text;
    xml_node **kids;
    size_t nkids;
};

static char *
decode(const char *s, size_t len)
{
    char *o = malloc(len + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len;) {
        if (s[i] == '&') {
            static const struct { const char *e; char c; } ents[] = {
                { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
            };
            bool done = false;
            for (size_t k = 0; k < 5 && !done; k++) {
                size_t el = strlen(ents[k].e);
                if (i + el <= len && strncmp(s + i, ents[k].e, el) == 0) {
                    *p++ = ents[k].c;
                    i += el;
                    done = true;
                }
            }
            if (!done && i + 2 < len && s[i + 1] == '#') {
                char *end;
                unsigned long cp = s[i + 2] == 'x' ? strtoul(s + i + 3, &end, 16) : strtoul(s + i + 2, &end, 10);
                if (*end == ';' && cp < 0x110000) {
                    /* UTF-8 */
                    if (cp < 0x80) {
                        *p++ = (char)cp;
                    } else if (cp < 0x800) {
                        *p++ = (char)(0xc0 | (cp >> 6));
                        *p++ = (char)(0x80 | (cp & 0x3f));
                    } else if (cp < 0x10000) {
                        *p++ = (char)(0xe0 | (cp >> 12));
                        *p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                        *p++ = (char)(0x80 | (cp & 0x3f));
                    } else {
                        *p++ = (char)(0xf0 | (cp >> 18));
                        *p++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                        *p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                        *p++ = (char)(0x80 | (cp & 0x3f));
                    }
                    i = (size_t)(end - s) + 1;
                    done = true;
                }
            }
            if (!done)
                *p++ = s[i++];
        } else {
            *p++ = s[i++];
        }
    }
    *p = '\0';
    return o;
}

static void
kid_push(xml_node *n, xml_node *k)
{
    xml_node **more = realloc(n->kids, (n->nkids + 1) * sizeof(*more));
    if (!more) {
        xml_free(k);
        return;
    }
    n->kids = more;
    n->kids[n->nkids++] = k;
}

static void
text_append(xml_node *n, const char *s, size_t len)
{
    char *t = decode(s, len);
    size_t old = n->text ? strlen(n->text) : 0;
    char *more;
    if (!t)
        return;
    more = realloc(n->text, old + strlen(t) + 1);
    if (more) {
        strcpy(more + old, t);
        n->text = more;
    }
    free(t);
}

/* Parses elements below `parent` until its end tag; -1 on bad input. */
static int
parse_elements(const char **pp, xml_node *parent)
{
    const char *p = *pp;
    while (*p) {
        if (*p != '<') {
            const char *start = p;
            while (*p && *p != '<')
                p++;
            text_append(parent, start, (size_t)(p - start));
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p, "-->");
            if (!e)
                return -1;
            p = e + 3;
            continue;
        }
        if (p[1] == '?' || p[1] == '!') {
            const char *e = strchr(p, '>');
            if (!e)
                return -1;
            p = e + 1;
            continue;
        }
        if (p[1] == '/') {
            const char *e = strchr(p, '>');
            if (!e)
                return -1;
            *pp = e + 1;
            return 0;
        }
        {
            xml_node *n = calloc(1, sizeof(*n));
            const char *s = ++p;
            if (!n)
                return -1;
            while (*p && !isspace((unsigned char)*p) && *p != '>' && *p != '/')
                p++;
            n->name = strndup(s, (size_t)(p - s));
            for (;;) {
                while (isspace((unsigned char)*p))
                    p++;
                if (*p == '/' && p[1] == '>') {
                    p += 2;
                    kid_push(parent, n);
                    break;
                }
                if (*p == '>') {
                    p++;
                    kid_push(parent, n);
                    if (parse_elements(&p, n) < 0)
                        return -1;
                    break;
                }
                if (!*p)
                    return -1;
                {
                    const char *an = p;
                    char q;
                    const char *vs;
                    char **more;
                    while (*p && *p != '=' && !isspace((unsigned char)*p))
                        p++;
                    size_t alen = (size_t)(p - an);
                    while (isspace((unsigned char)*p))
                        p++;
                    if (*p != '=')
                        return -1;
                    p++;
                    while (isspace((unsigned char)*p))
                        p++;
                    q = *p;
                    if (q != '\'' && q != '"')
                        return -1;
                    vs = ++p;
                    while (*p && *p != q)
                        p++;
                    if (!*p)
                        return -1;
                    more = realloc(n->attrs, (n->nattrs + 2) * sizeof(char *));
                    if (!more)
                        return -1;
                    n->attrs = more;
                    n->attrs[n->nattrs++] = strndup(an, alen);
                    n->attrs[n->nattrs++] = decode(vs, (size_t)(p - vs));
                    p++;
                }
            }
        }
    }
    *pp = p;
    return 0;
}

xml_node *
xml_parse(const char *text)
{
    xml_node *doc = calloc(1, sizeof(*doc));
    const char *p = text;
    if (!doc)
        return NULL;
    if (parse_elements(&p, doc) < 0 || doc->nkids == 0) {
        xml_free(doc);
        return NULL;
    }
    return doc;
}

void
xml_free(xml_node *n)
{
    if (!n)
        return;
    free(n->name);
    for (size_t i = 0; i < n->nattrs; i++)
        free(n->attrs[i]);
    free(n->attrs);
    free(n->text);
    for (size_t i = 0; i < n->nkids; i++)
        xml_free(n->kids[i]);
    free(n->kids);
    free(n);
}

static void
collect(xml_node *n, const char *path, xml_node ***out, size_t *count, bool first_only)
{
    const char *slash = strchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : strlen(path);
    if (!n || (first_only && *count))
        return;
    for (size_t i = 0; i < n->nkids; i++) {
        xml_node *k = n->kids[i];
        if (strlen(k->name) != len || strncmp(k->name, path, len) != 0)
            continue;
        if (slash) {
            collect(k, slash + 1, out, count, first_only);
        } else {
            xml_node **more = realloc(*out, (*count + 2) * sizeof(*more));
            if (!more)
                return;
            *out = more;
            (*out)[(*count)++] = k;
            (*out)[*count] = NULL;
        }
        if (first_only && *count)
            return;
    }
}

xml_node *
xml_find(xml_node *n, const char *path)
{
    xml_node **all = NULL, *found;
    size_t count = 0;
    if (!*path)
        return n;
    collect(n, path, &all, &count, true);
    found = count ? all[0] : NULL;
    free(all);
    return found;
}

xml_node **
xml_find_all(xml_node *n, const char *path)
{
    xml_node **all = NULL;
    size_t count = 0;
    collect(n, path, &all, &count, false);
    if (!all)
        all = calloc(1, sizeof(*all));
    return all;
}

const char *
xml_get(xml_node *n, const char *path)
{
    const char *at = strrchr(path, '@');
    xml_node *node;
    if (at) {
        char *elem = strndup(path, at > path ? (size_t)(at - path - 1) : 0);
        node = elem ? xml_find(n, elem) : NULL;
        free(elem);
        if (!node)
            return NULL;
        for (size_t i = 0; i + 1 < node->nattrs; i += 2)
            if (strcmp(node->attrs[i], at + 1) == 0)
                return node->attrs[i + 1];
        return NULL;
    }
    node = xml_find(n, path);
    if (!node)
        return NULL;
    return node->text ? node->text : "";
}

bool
run_event_loop(shell *sh, const int *count, bool loop, int timeout)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (loop || *count == 0) {
        long left = -1;
        if (interrupt_pending()) {
            out(sh, "event loop interrupted\n");
            break;
        }
        if (timeout > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            left = timeout * 1000L - ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000);
            if (left <= 0) {
                out(sh, "event loop timed out\n");
                break;
            }
        }
        /* Short turns: Ctrl-C and the timeout are looked at between them. */
        if (esxEventRunDefaultImplTimeout(left < 0 ? 250 : (int)(left < 250 ? left : 250)) < 0)
            return save_error(sh);
    }
    return true;
}
