/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esxsh's pool and volume commands and screenshot (the commands that use
 * streams): virsh's syntax and output formats (tools/virsh-pool.c,
 * virsh-volume.c and virsh-domain.c describe them), over the storage API
 * of esx_driver.h.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <esx_driver.h>

#include "esxsh.h"

/* ---- arguments ---- */

/* Options followed by a value (`--pool P` or `--pool=P`). */
static const char *const value_options[] = {
    "--pool", "--inputpool", "--allocation", "--format", "--offset", "--length", "--screen", NULL,
};

static int
takes_value(const char *arg)
{
    for (size_t i = 0; value_options[i]; i++)
        if (strcmp(arg, value_options[i]) == 0)
            return 1;
    return 0;
}

/* The value of `name`, or NULL. */
static const char *
option(int argc, char **argv, const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], name) == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=')
            return argv[i] + len + 1;
    }
    return NULL;
}

/* The index-th argument that is neither an option nor an option's value. */
static const char *
arg(int argc, char **argv, int index)
{
    int seen = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            if (takes_value(argv[i]))
                i++;
            continue;
        }
        if (seen++ == index)
            return argv[i];
    }
    return NULL;
}

/* virsh's sizes: a number with an optional unit (b, k/KiB, KB, M/MiB,
 * MB, ... E), bytes by default. */
static int
parse_size(const char *text, unsigned long long *out)
{
    char *end;
    unsigned long long base = 1024, scale = 1;
    unsigned long long value;
    int power = 0;

    if (!text || !isdigit((unsigned char)*text))
        return -1;
    errno = 0;
    value = strtoull(text, &end, 10);
    if (errno)
        return -1;
    if (*end) {
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
        if (power > 0 && (*end == 'B' || *end == 'b') && end[1] == '\0') {
            base = 1000;
            end++;
        } else if (power > 0 && strcasecmp(end, "iB") == 0) {
            end += 2;
        }
        if (*end)
            return -1;
    }
    for (int i = 0; i < power; i++)
        scale *= base;
    if (value > ~0ULL / scale)
        return -1;
    *out = value * scale;
    return 0;
}

/* ---- output ---- */

/* virsh's vshPrettyCapacity with "%.2lf %s". */
static void
pretty(char *buf, size_t size, unsigned long long bytes)
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

/* A table as virsh's vshTable prints it: a space before each cell, two
 * more after all but the last, dashes under the header (esxsh.h). */
int
table_add(table *t, const char *const *row)
{
    char **more = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
    if (!more)
        return -1;
    t->cells = more;
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = strdup(row[c] ? row[c] : "");
    t->nrows++;
    return 0;
}

void
table_print(table *t)
{
    size_t width[MAX_COLUMNS] = { 0 };

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            size_t w = cell ? strlen(cell) : 0;
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            cell = cell ? cell : "";
            printf(" %s", cell);
            if (c + 1 < t->ncols)
                printf("%*s", (int)(width[c] - strlen(cell) + 2), "");
        }
        printf("\n");
        if (r == 0) {
            for (size_t c = 0; c < t->ncols; c++)
                for (size_t i = 0; i < width[c] + 3; i++)
                    putchar('-');
            printf("\n");
        }
    }
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
}

static const char *
pool_state(int state)
{
    switch (state) {
    case ESX_STORAGE_POOL_INACTIVE: return "inactive";
    case ESX_STORAGE_POOL_BUILDING: return "building";
    case ESX_STORAGE_POOL_RUNNING: return "running";
    case ESX_STORAGE_POOL_DEGRADED: return "degraded";
    case ESX_STORAGE_POOL_INACCESSIBLE: return "inaccessible";
    default: return "unknown";
    }
}

static const char *
vol_type(int type)
{
    switch (type) {
    case ESX_STORAGE_VOL_FILE: return "file";
    case ESX_STORAGE_VOL_BLOCK: return "block";
    case ESX_STORAGE_VOL_DIR: return "dir";
    case ESX_STORAGE_VOL_NETWORK: return "network";
    case ESX_STORAGE_VOL_NETDIR: return "netdir";
    case ESX_STORAGE_VOL_PLOOP: return "ploop";
    default: return "unknown";
    }
}

/* ---- lookups, as virsh's ---- */

/* By UUID when the text is as long as one, then by name. */
static esxStoragePoolPtr
find_pool(esxConnectPtr conn, const char *what)
{
    esxStoragePoolPtr pool = NULL;
    if (strlen(what) == ESX_UUID_STRING_BUFLEN - 1)
        pool = esxStoragePoolLookupByUUIDString(conn, what);
    if (!pool)
        pool = esxStoragePoolLookupByName(conn, what);
    if (!pool) {
        fprintf(stderr, "error: failed to get pool '%s'\n", what);
        fail();
    }
    return pool;
}

/* By name in --pool (when given), then by key, then by path; a volume
 * found elsewhere than in --pool is refused. */
static esxStorageVolPtr
find_vol(esxConnectPtr conn, const char *what, const char *pool_name)
{
    esxStoragePoolPtr pool = NULL;
    esxStorageVolPtr vol = NULL;

    if (pool_name && !(pool = find_pool(conn, pool_name)))
        return NULL;
    if (pool)
        vol = esxStorageVolLookupByName(pool, what);
    if (!vol)
        vol = esxStorageVolLookupByKey(conn, what);
    if (!vol)
        vol = esxStorageVolLookupByPath(conn, what);
    if (!vol) {
        if (pool)
            fprintf(stderr, "error: failed to get vol '%s'\n", what);
        else
            fprintf(stderr, "error: failed to get vol '%s', specifying --pool might help\n", what);
        fail();
    } else if (pool) {
        esxStoragePoolPtr in = esxStoragePoolLookupByVolume(vol);
        if (in && strcmp(esxStoragePoolGetName(in), esxStoragePoolGetName(pool)) != 0) {
            fprintf(stderr, "error: Requested volume '%s' is not in pool '%s'\n", what,
                    esxStoragePoolGetName(pool));
            esxStorageVolFree(vol);
            vol = NULL;
        }
        if (in)
            esxStoragePoolFree(in);
    }
    if (pool)
        esxStoragePoolFree(pool);
    return vol;
}

static int
by_pool_name(const void *a, const void *b)
{
    return strcasecmp(esxStoragePoolGetName(*(esxStoragePoolPtr const *)a),
                      esxStoragePoolGetName(*(esxStoragePoolPtr const *)b));
}

static int
by_vol_name(const void *a, const void *b)
{
    return strcasecmp(esxStorageVolGetName(*(esxStorageVolPtr const *)a),
                      esxStorageVolGetName(*(esxStorageVolPtr const *)b));
}

/* ---- pools ---- */

static int
cmd_pool_list(esxConnectPtr conn, int argc, char **argv)
{
    int details = has_flag(argc, argv, "--details");
    unsigned int flags = ESX_CONNECT_LIST_STORAGE_POOLS_ACTIVE;
    esxStoragePoolPtr *pools = NULL;
    table t = { details ? 7 : 3, 0, NULL };
    int n;

    if (has_flag(argc, argv, "--all"))
        flags = 0;
    else if (has_flag(argc, argv, "--inactive"))
        flags = ESX_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
    n = esxConnectListAllStoragePools(conn, &pools, flags);
    if (n < 0)
        return fail();
    qsort(pools, (size_t)n, sizeof(*pools), by_pool_name);
    if (details) {
        const char *head[] = { "Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available" };
        table_add(&t, head);
    } else {
        const char *head[] = { "Name", "State", "Autostart" };
        table_add(&t, head);
    }
    for (int i = 0; i < n; i++) {
        int autostart = 0;
        int persistent = esxStoragePoolIsPersistent(pools[i]);
        esxStoragePoolInfo info;
        char cap[32] = "-", alloc[32] = "-", avail[32] = "-";
        const char *state;
        const char *auto_text = esxStoragePoolGetAutostart(pools[i], &autostart) < 0
            ? "no autostart" : autostart ? "yes" : "no";

        if (esxStoragePoolGetInfo(pools[i], &info) < 0) {
            fprintf(stderr, "error: Could not retrieve pool information\n");
            state = "unknown";
            strcpy(cap, "unknown");
            strcpy(alloc, "unknown");
            strcpy(avail, "unknown");
        } else if (details) {
            state = pool_state(info.state);
            if (info.state == ESX_STORAGE_POOL_RUNNING || info.state == ESX_STORAGE_POOL_DEGRADED) {
                pretty(cap, sizeof(cap), info.capacity);
                pretty(alloc, sizeof(alloc), info.allocation);
                pretty(avail, sizeof(avail), info.available);
            }
        } else {
            state = esxStoragePoolIsActive(pools[i]) == 1 ? "active" : "inactive";
        }
        {
            const char *row[] = { esxStoragePoolGetName(pools[i]), state, auto_text,
                                  persistent < 0 ? "unknown" : persistent ? "yes" : "no",
                                  cap, alloc, avail };
            table_add(&t, row);
        }
        esxStoragePoolFree(pools[i]);
    }
    free(pools);
    table_print(&t);
    return 0;
}

/* Runs fn on the pool named by the first argument. */
static int
with_pool(esxConnectPtr conn, int argc, char **argv, const char *usage,
          int (*fn)(esxStoragePoolPtr pool, int argc, char **argv))
{
    const char *what = arg(argc, argv, 0);
    esxStoragePoolPtr pool;
    int rc;

    if (!what)
        return usage_error(usage);
    if (!(pool = find_pool(conn, what)))
        return 1;
    rc = fn(pool, argc, argv);
    esxStoragePoolFree(pool);
    return rc;
}

static int
do_pool_info(esxStoragePoolPtr pool, int argc, char **argv)
{
    char uuid[ESX_UUID_STRING_BUFLEN];
    esxStoragePoolInfo info;
    int autostart = 0, persistent;
    int bytes = has_flag(argc, argv, "--bytes");

    printf("%-15s %s\n", "Name:", esxStoragePoolGetName(pool));
    if (esxStoragePoolGetUUIDString(pool, uuid) == 0)
        printf("%-15s %s\n", "UUID:", uuid);
    if (esxStoragePoolGetInfo(pool, &info) < 0)
        return fail();
    printf("%-15s %s\n", "State:", pool_state(info.state));
    persistent = esxStoragePoolIsPersistent(pool);
    printf("%-15s %s\n", "Persistent:", persistent < 0 ? "unknown" : persistent ? "yes" : "no");
    if (esxStoragePoolGetAutostart(pool, &autostart) < 0)
        printf("%-15s %s\n", "Autostart:", "no autostart");
    else
        printf("%-15s %s\n", "Autostart:", autostart ? "yes" : "no");
    if (info.state == ESX_STORAGE_POOL_RUNNING || info.state == ESX_STORAGE_POOL_DEGRADED) {
        if (bytes) {
            printf("%-15s %llu\n", "Capacity:", info.capacity);
            printf("%-15s %llu\n", "Allocation:", info.allocation);
            printf("%-15s %llu\n", "Available:", info.available);
        } else {
            char b[32];
            pretty(b, sizeof(b), info.capacity);
            printf("%-15s %s\n", "Capacity:", b);
            pretty(b, sizeof(b), info.allocation);
            printf("%-15s %s\n", "Allocation:", b);
            pretty(b, sizeof(b), info.available);
            printf("%-15s %s\n", "Available:", b);
        }
    }
    return 0;
}

static int
do_pool_dumpxml(esxStoragePoolPtr pool, int argc, char **argv)
{
    char *xml;
    (void)argc; (void)argv;
    if (!(xml = esxStoragePoolGetXMLDesc(pool, 0)))
        return fail();
    printf("%s", xml);
    free(xml);
    return 0;
}

static int
do_pool_refresh(esxStoragePoolPtr pool, int argc, char **argv)
{
    const char *name = esxStoragePoolGetName(pool);
    (void)argc; (void)argv;
    if (esxStoragePoolRefresh(pool, 0) < 0) {
        fprintf(stderr, "error: Failed to refresh pool %s\n", name);
        return fail();
    }
    printf("Pool %s refreshed\n", name);
    return 0;
}

static int
do_pool_autostart(esxStoragePoolPtr pool, int argc, char **argv)
{
    int disable = has_flag(argc, argv, "--disable");
    const char *name = esxStoragePoolGetName(pool);

    if (esxStoragePoolSetAutostart(pool, !disable) < 0) {
        fprintf(stderr, "error: failed to %s pool %s as autostarted\n", disable ? "unmark" : "mark", name);
        return fail();
    }
    printf("Pool %s %s as autostarted\n", name, disable ? "unmarked" : "marked");
    return 0;
}

static int cmd_pool_info(esxConnectPtr c, int argc, char **argv) { return with_pool(c, argc, argv, "pool-info POOL [--bytes]", do_pool_info); }
static int cmd_pool_dumpxml(esxConnectPtr c, int argc, char **argv) { return with_pool(c, argc, argv, "pool-dumpxml POOL", do_pool_dumpxml); }
static int cmd_pool_refresh(esxConnectPtr c, int argc, char **argv) { return with_pool(c, argc, argv, "pool-refresh POOL", do_pool_refresh); }
static int cmd_pool_autostart(esxConnectPtr c, int argc, char **argv) { return with_pool(c, argc, argv, "pool-autostart POOL [--disable]", do_pool_autostart); }

static int
do_vol_list(esxStoragePoolPtr pool, int argc, char **argv)
{
    int details = has_flag(argc, argv, "--details");
    esxStorageVolPtr *vols = NULL;
    table t = { details ? 5 : 2, 0, NULL };
    int n = esxStoragePoolListAllVolumes(pool, &vols, 0);

    if (n < 0)
        return fail();
    qsort(vols, (size_t)n, sizeof(*vols), by_vol_name);
    if (details) {
        const char *head[] = { "Name", "Path", "Type", "Capacity", "Allocation" };
        table_add(&t, head);
    } else {
        const char *head[] = { "Name", "Path" };
        table_add(&t, head);
    }
    for (int i = 0; i < n; i++) {
        char *path = esxStorageVolGetPath(vols[i]);
        esxStorageVolInfo info;
        char cap[32] = "unknown", alloc[32] = "unknown";
        const char *type = "unknown";

        if (details && esxStorageVolGetInfo(vols[i], &info) == 0) {
            type = vol_type(info.type);
            pretty(cap, sizeof(cap), info.capacity);
            pretty(alloc, sizeof(alloc), info.allocation);
        }
        {
            const char *row[] = { esxStorageVolGetName(vols[i]), path ? path : "unknown", type, cap, alloc };
            table_add(&t, row);
        }
        free(path);
        esxStorageVolFree(vols[i]);
    }
    free(vols);
    table_print(&t);
    return 0;
}

static int cmd_vol_list(esxConnectPtr c, int argc, char **argv) { return with_pool(c, argc, argv, "vol-list POOL [--details]", do_vol_list); }

/* ---- volumes ---- */

/* Runs fn on the volume named by the first argument (and --pool). */
static int
with_vol(esxConnectPtr conn, int argc, char **argv, const char *usage,
         int (*fn)(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv))
{
    const char *what = arg(argc, argv, 0);
    esxStorageVolPtr vol;
    int rc;

    if (!what)
        return usage_error(usage);
    if (!(vol = find_vol(conn, what, option(argc, argv, "--pool"))))
        return 1;
    rc = fn(conn, vol, argc, argv);
    esxStorageVolFree(vol);
    return rc;
}

static int
do_vol_info(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    esxStorageVolInfo info;
    (void)conn;

    printf("%-15s %s\n", "Name:", esxStorageVolGetName(vol));
    if (esxStorageVolGetInfo(vol, &info) < 0)
        return fail();
    printf("%-15s %s\n", "Type:", vol_type(info.type));
    if (has_flag(argc, argv, "--bytes")) {
        printf("%-15s %llu %s\n", "Capacity:", info.capacity, "bytes");
        printf("%-15s %llu %s\n", "Allocation:", info.allocation, "bytes");
    } else {
        char b[32];
        pretty(b, sizeof(b), info.capacity);
        printf("%-15s %s\n", "Capacity:", b);
        pretty(b, sizeof(b), info.allocation);
        printf("%-15s %s\n", "Allocation:", b);
    }
    return 0;
}

static int
do_vol_dumpxml(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    char *xml;
    (void)conn; (void)argc; (void)argv;
    if (!(xml = esxStorageVolGetXMLDesc(vol, 0)))
        return fail();
    printf("%s", xml);
    free(xml);
    return 0;
}

static int
do_vol_path(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    char *path;
    (void)conn; (void)argc; (void)argv;
    if (!(path = esxStorageVolGetPath(vol)))
        return fail();
    printf("%s\n", path);
    free(path);
    return 0;
}

static int
do_vol_key(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    const char *key = esxStorageVolGetKey(vol);
    (void)conn; (void)argc; (void)argv;
    if (!key)
        return fail();
    printf("%s\n", key);
    return 0;
}

static int
do_vol_pool(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    esxStoragePoolPtr pool = esxStoragePoolLookupByVolume(vol);
    char uuid[ESX_UUID_STRING_BUFLEN];
    (void)conn;
    if (!pool)
        return fail();
    if (has_flag(argc, argv, "--uuid") && esxStoragePoolGetUUIDString(pool, uuid) == 0)
        printf("%s\n", uuid);
    else
        printf("%s\n", esxStoragePoolGetName(pool));
    esxStoragePoolFree(pool);
    return 0;
}

static int
do_vol_delete(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    const char *name = esxStorageVolGetName(vol);
    (void)conn; (void)argc; (void)argv;
    if (esxStorageVolDelete(vol, 0) < 0) {
        fprintf(stderr, "error: Failed to delete vol %s\n", name);
        return fail();
    }
    printf("Vol %s deleted\n", name);
    return 0;
}

static int
do_vol_wipe(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    const char *name = esxStorageVolGetName(vol);
    (void)conn; (void)argc; (void)argv;
    if (esxStorageVolWipe(vol, 0) < 0) {
        fprintf(stderr, "error: Failed to wipe vol %s\n", name);
        return fail();
    }
    printf("Vol %s wiped\n", name);
    return 0;
}

static int
do_vol_resize(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    const char *text = arg(argc, argv, 1);
    unsigned int flags = 0;
    int delta = has_flag(argc, argv, "--delta");
    unsigned long long capacity;
    /* Read now: every call, this one too, resets the last error. */
    const char *name = esxStorageVolGetName(vol);
    (void)conn;

    if (!text)
        return usage_error("vol-resize VOL CAPACITY [--pool P] [--allocate] [--delta] [--shrink]");
    if (has_flag(argc, argv, "--allocate"))
        flags |= ESX_STORAGE_VOL_RESIZE_ALLOCATE;
    if (has_flag(argc, argv, "--shrink"))
        flags |= ESX_STORAGE_VOL_RESIZE_SHRINK;
    if (*text == '-') {
        if (!(flags & ESX_STORAGE_VOL_RESIZE_SHRINK)) {
            fprintf(stderr, "error: negative size requires --shrink\n");
            return 1;
        }
        text++;
        delta = 1;
    }
    if (delta)
        flags |= ESX_STORAGE_VOL_RESIZE_DELTA;
    if (parse_size(text, &capacity) < 0) {
        fprintf(stderr, "error: Malformed size %s\n", text);
        return 1;
    }
    if (esxStorageVolResize(vol, capacity, flags) < 0) {
        fprintf(stderr, delta ? "error: Failed to change size of volume '%s' by %s\n"
                              : "error: Failed to change size of volume '%s' to %s\n",
                name, text);
        return fail();
    }
    printf(delta ? "Size of volume '%s' successfully changed by %s\n"
                 : "Size of volume '%s' successfully changed to %s\n",
           name, text);
    return 0;
}

/* A copy of `xml` whose first <name> holds `name` (escaped). */
static char *
renamed(const char *xml, const char *name)
{
    const char *open = strstr(xml, "<name>");
    const char *close = open ? strstr(open, "</name>") : NULL;
    size_t extra = 0;
    char *out, *p;

    if (!close)
        return NULL;
    for (const char *s = name; *s; s++)
        extra += *s == '&' ? 5 : (*s == '<' || *s == '>') ? 4 : 1;
    out = malloc(strlen(xml) + extra + 1);
    if (!out)
        return NULL;
    p = out;
    memcpy(p, xml, (size_t)(open - xml) + 6);
    p += (open - xml) + 6;
    for (const char *s = name; *s; s++) {
        const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
        if (e) {
            memcpy(p, e, strlen(e));
            p += strlen(e);
        } else {
            *p++ = *s;
        }
    }
    strcpy(p, close);
    return out;
}

static int
do_vol_clone(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    const char *name = arg(argc, argv, 1);
    esxStoragePoolPtr pool;
    esxStorageVolPtr copy;
    char *xml, *clone_xml;
    const char *from = esxStorageVolGetName(vol);
    (void)conn;

    if (!name)
        return usage_error("vol-clone VOL NEWNAME [--pool P]");
    if (!(pool = esxStoragePoolLookupByVolume(vol)))
        return fail();
    xml = esxStorageVolGetXMLDesc(vol, 0);
    clone_xml = xml ? renamed(xml, name) : NULL;
    free(xml);
    if (!clone_xml) {
        int rc = fail();
        esxStoragePoolFree(pool);
        return rc;
    }
    copy = esxStorageVolCreateXMLFrom(pool, clone_xml, vol, 0);
    free(clone_xml);
    if (!copy) {
        fprintf(stderr, "error: Failed to clone vol from %s\n", from);
        fail();
        esxStoragePoolFree(pool);
        return 1;
    }
    esxStoragePoolFree(pool);
    printf("Vol %s cloned from %s\n", esxStorageVolGetName(copy), esxStorageVolGetName(vol));
    esxStorageVolFree(copy);
    return 0;
}

static int
do_vol_download(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    const char *file = arg(argc, argv, 1);
    unsigned long long offset = 0, length = 0;
    esxStreamPtr st;
    FILE *out;
    char *buf;
    int rc = 0, n;
    const char *name = esxStorageVolGetName(vol);

    if (!file)
        return usage_error("vol-download VOL FILE [--pool P] [--offset N] [--length N]");
    if ((option(argc, argv, "--offset") && parse_size(option(argc, argv, "--offset"), &offset) < 0) ||
        (option(argc, argv, "--length") && parse_size(option(argc, argv, "--length"), &length) < 0)) {
        fprintf(stderr, "error: Unable to parse integer\n");
        return 1;
    }
    if (!(out = fopen(file, "wb"))) {
        fprintf(stderr, "error: cannot create %s: %s\n", file, strerror(errno));
        return 1;
    }
    if (!(buf = malloc(1 << 18)) || !(st = esxStreamNew(conn, 0))) {
        free(buf);
        fclose(out);
        return fail();
    }
    if (esxStorageVolDownload(vol, st, offset, length, 0) < 0) {
        fprintf(stderr, "error: cannot download from volume %s\n", name);
        rc = fail();
    } else {
        while ((n = esxStreamRecv(st, buf, 1 << 18)) > 0) {
            if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
                fprintf(stderr, "error: cannot write %s: %s\n", file, strerror(errno));
                esxStreamAbort(st);
                rc = 1;
                break;
            }
        }
        if (rc == 0 && (n < 0 || esxStreamFinish(st) < 0)) {
            fprintf(stderr, "error: cannot receive data from volume %s\n", name);
            rc = fail();
        }
    }
    esxStreamFree(st);
    free(buf);
    if (fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "error: cannot close %s: %s\n", file, strerror(errno));
        rc = 1;
    }
    if (rc != 0)
        remove(file);
    return rc;
}

static int
do_vol_upload(esxConnectPtr conn, esxStorageVolPtr vol, int argc, char **argv)
{
    const char *file = arg(argc, argv, 1);
    unsigned long long offset = 0, length = 0;
    esxStreamPtr st;
    FILE *in;
    char *buf;
    size_t n;
    int rc = 0;
    const char *name = esxStorageVolGetName(vol);

    if (!file)
        return usage_error("vol-upload VOL FILE [--pool P] [--offset N] [--length N]");
    if ((option(argc, argv, "--offset") && parse_size(option(argc, argv, "--offset"), &offset) < 0) ||
        (option(argc, argv, "--length") && parse_size(option(argc, argv, "--length"), &length) < 0)) {
        fprintf(stderr, "error: Unable to parse integer\n");
        return 1;
    }
    if (!(in = fopen(file, "rb"))) {
        fprintf(stderr, "error: cannot read %s\n", file);
        return 1;
    }
    if (!(buf = malloc(1 << 18)) || !(st = esxStreamNew(conn, 0))) {
        free(buf);
        fclose(in);
        return fail();
    }
    if (esxStorageVolUpload(vol, st, offset, length, 0) < 0) {
        fprintf(stderr, "error: cannot upload to volume %s\n", name);
        rc = fail();
    } else {
        while ((n = fread(buf, 1, 1 << 18, in)) > 0) {
            if (esxStreamSend(st, buf, n) < 0) {
                fprintf(stderr, "error: cannot send data to volume %s\n", name);
                rc = fail();
                esxStreamAbort(st);
                break;
            }
        }
        if (rc == 0 && ferror(in)) {
            fprintf(stderr, "error: cannot read %s\n", file);
            esxStreamAbort(st);
            rc = 1;
        }
        if (rc == 0 && esxStreamFinish(st) < 0) {
            fprintf(stderr, "error: cannot close volume %s\n", name);
            rc = fail();
        }
    }
    esxStreamFree(st);
    free(buf);
    fclose(in);
    return rc;
}

static int cmd_vol_info(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-info VOL [--pool P] [--bytes]", do_vol_info); }
static int cmd_vol_dumpxml(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-dumpxml VOL [--pool P]", do_vol_dumpxml); }
static int cmd_vol_path(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-path VOL [--pool P]", do_vol_path); }
static int cmd_vol_key(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-key VOL [--pool P]", do_vol_key); }
static int cmd_vol_pool(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-pool VOL [--uuid]", do_vol_pool); }
static int cmd_vol_delete(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-delete VOL [--pool P]", do_vol_delete); }
static int cmd_vol_wipe(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-wipe VOL [--pool P]", do_vol_wipe); }
static int cmd_vol_resize(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-resize VOL CAPACITY [--pool P] [--allocate] [--delta] [--shrink]", do_vol_resize); }
static int cmd_vol_clone(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-clone VOL NEWNAME [--pool P]", do_vol_clone); }
static int cmd_vol_download(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-download VOL FILE [--pool P] [--offset N] [--length N]", do_vol_download); }
static int cmd_vol_upload(esxConnectPtr c, int argc, char **argv) { return with_vol(c, argc, argv, "vol-upload VOL FILE [--pool P] [--offset N] [--length N]", do_vol_upload); }

/* A file's whole contents (at most 16 MiB: volume XML is small). */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (!f)
        return NULL;
    buf = malloc((1 << 24) + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, 1 << 24, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Creates a volume in `pool` from `xml` (from `source` when given). */
static int
create_vol(esxConnectPtr conn, const char *pool_name, const char *xml, esxStorageVolPtr source,
           const char *failure, const char *failure_arg, esxStorageVolPtr *made)
{
    esxStoragePoolPtr pool = find_pool(conn, pool_name);
    esxStorageVolPtr vol;

    if (!pool)
        return 1;
    vol = source ? esxStorageVolCreateXMLFrom(pool, xml, source, 0) : esxStorageVolCreateXML(pool, xml, 0);
    if (!vol) {
        /* Before any free: a free resets the last error, as libvirt's. */
        fprintf(stderr, failure, failure_arg);
        fail();
    }
    esxStoragePoolFree(pool);
    *made = vol;
    return vol ? 0 : 1;
}

static int
cmd_vol_create_as(esxConnectPtr conn, int argc, char **argv)
{
    const char *pool = arg(argc, argv, 0), *name = arg(argc, argv, 1), *cap_text = arg(argc, argv, 2);
    const char *alloc_text = option(argc, argv, "--allocation");
    const char *format = option(argc, argv, "--format");
    unsigned long long capacity, allocation = 0;
    esxStorageVolPtr vol = NULL;
    char xml[2048];
    int rc;

    if (!pool || !name || !cap_text)
        return usage_error("vol-create-as POOL NAME CAPACITY [--allocation A] [--format F]");
    if (parse_size(cap_text, &capacity) < 0) {
        fprintf(stderr, "error: Malformed size %s\n", cap_text);
        return 1;
    }
    if (alloc_text && parse_size(alloc_text, &allocation) < 0) {
        fprintf(stderr, "error: Malformed size %s\n", alloc_text);
        return 1;
    }
    if (strpbrk(name, "<>&'\"") || (format && strpbrk(format, "<>&'\""))) {
        fprintf(stderr, "error: the name and format may not hold XML markup\n");
        return 1;
    }
    /* virsh's document: name, capacity, then what was given. */
    {
        size_t len = 0;
        int m = snprintf(xml, sizeof(xml), "<volume>\n  <name>%s</name>\n  <capacity>%llu</capacity>\n",
                         name, capacity);
        if (m > 0 && (size_t)m < sizeof(xml))
            len = (size_t)m;
        if (len && alloc_text) {
            m = snprintf(xml + len, sizeof(xml) - len, "  <allocation>%llu</allocation>\n", allocation);
            len = m > 0 && (size_t)m < sizeof(xml) - len ? len + (size_t)m : 0;
        }
        if (len && format) {
            m = snprintf(xml + len, sizeof(xml) - len,
                         "  <target>\n    <format type='%s'/>\n  </target>\n", format);
            len = m > 0 && (size_t)m < sizeof(xml) - len ? len + (size_t)m : 0;
        }
        if (len) {
            m = snprintf(xml + len, sizeof(xml) - len, "</volume>\n");
            len = m > 0 && (size_t)m < sizeof(xml) - len ? len + (size_t)m : 0;
        }
        if (!len) {
            fprintf(stderr, "error: the volume name is too long\n");
            return 1;
        }
    }
    rc = create_vol(conn, pool, xml, NULL, "error: Failed to create vol %s\n", name, &vol);
    if (rc == 0) {
        printf("Vol %s created\n", name);
        esxStorageVolFree(vol);
    }
    return rc;
}

static int
cmd_vol_create(esxConnectPtr conn, int argc, char **argv)
{
    const char *pool = arg(argc, argv, 0), *file = arg(argc, argv, 1);
    esxStorageVolPtr vol = NULL;
    char *xml;
    int rc;

    if (!pool || !file)
        return usage_error("vol-create POOL FILE");
    if (!(xml = slurp(file))) {
        fprintf(stderr, "error: Failed to read file '%s' to buffer\n", file);
        return 1;
    }
    rc = create_vol(conn, pool, xml, NULL, "error: Failed to create vol from %s\n", file, &vol);
    free(xml);
    if (rc == 0) {
        printf("Vol %s created from %s\n", esxStorageVolGetName(vol), file);
        esxStorageVolFree(vol);
    }
    return rc;
}

static int
cmd_vol_create_from(esxConnectPtr conn, int argc, char **argv)
{
    const char *pool = arg(argc, argv, 0), *file = arg(argc, argv, 1), *from = arg(argc, argv, 2);
    esxStorageVolPtr source, vol = NULL;
    char *xml;
    int rc;

    if (!pool || !file || !from)
        return usage_error("vol-create-from POOL FILE VOL [--inputpool P]");
    if (!(source = find_vol(conn, from, option(argc, argv, "--inputpool"))))
        return 1;
    if (!(xml = slurp(file))) {
        fprintf(stderr, "error: Failed to read file '%s' to buffer\n", file);
        esxStorageVolFree(source);
        return 1;
    }
    rc = create_vol(conn, pool, xml, source, "error: Failed to create vol from %s\n", file, &vol);
    free(xml);
    if (rc == 0) {
        printf("Vol %s created from input vol %s\n", esxStorageVolGetName(vol), esxStorageVolGetName(source));
        esxStorageVolFree(vol);
    }
    esxStorageVolFree(source);
    return rc;
}

/* ---- screenshot (virsh's: FILE defaults to NAME-DATE.png) ---- */

static int
cmd_screenshot(esxConnectPtr conn, int argc, char **argv)
{
    const char *what = arg(argc, argv, 0);
    const char *file = arg(argc, argv, 1);
    const char *screen_text = option(argc, argv, "--screen");
    unsigned long long screen = 0;
    char generated[512];
    esxDomainPtr dom;
    esxStreamPtr st;
    char *mime, *buf;
    FILE *out;
    int rc = 0, n = 0;

    if (!what)
        return usage_error("screenshot DOMAIN [FILE] [--screen N]");
    if (screen_text && (parse_size(screen_text, &screen) < 0 || screen > 0xffffffffULL)) {
        fprintf(stderr, "error: Unable to parse integer parameter\n");
        return 1;
    }
    if (!(dom = lookup(conn, what))) {
        fprintf(stderr, "error: failed to get domain '%s'\n", what);
        return fail();
    }
    st = esxStreamNew(conn, 0);
    mime = st ? esxDomainScreenshot(dom, st, (unsigned int)screen, 0) : NULL;
    if (!mime) {
        fprintf(stderr, "error: could not take a screenshot of %s\n", what);
        rc = fail();
        goto out;
    }
    if (!file) {
        time_t now = time(NULL);
        char stamp[64];
        strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H:%M:%S", localtime(&now));
        snprintf(generated, sizeof(generated), "%s-%s%s", esxDomainGetName(dom), stamp,
                 strcmp(mime, "image/png") == 0 ? ".png" : "");
        file = generated;
    }
    if (!(out = fopen(file, "wb"))) {
        fprintf(stderr, "error: cannot create file %s\n", file);
        esxStreamAbort(st);
        rc = 1;
        goto out;
    }
    buf = malloc(1 << 16);
    while (buf && (n = esxStreamRecv(st, buf, 1 << 16)) > 0)
        if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
            n = -2;
            break;
        }
    if (!buf || n < 0) {
        fprintf(stderr, "error: could not receive data from domain '%s'\n", what);
        rc = n == -1 ? fail() : 1;
        esxStreamAbort(st);
    } else if (esxStreamFinish(st) < 0) {
        fprintf(stderr, "error: cannot close stream on domain '%s'\n", what);
        rc = fail();
    }
    free(buf);
    if (fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "error: cannot close file %s\n", file);
        rc = 1;
    }
    if (rc == 0)
        printf("Screenshot saved to %s, with type of %s\n", file, mime);
    else
        remove(file);
 out:
    free(mime);
    if (st)
        esxStreamFree(st);
    esxDomainFree(dom);
    return rc;
}

const command storage_commands[] = {
    { "pool-list", cmd_pool_list, "pool-list [--all|--inactive] [--details]" },
    { "pool-info", cmd_pool_info, "pool-info POOL [--bytes]" },
    { "pool-dumpxml", cmd_pool_dumpxml, "pool-dumpxml POOL" },
    { "pool-refresh", cmd_pool_refresh, "pool-refresh POOL" },
    { "pool-autostart", cmd_pool_autostart, "pool-autostart POOL [--disable]" },
    { "vol-list", cmd_vol_list, "vol-list POOL [--details]" },
    { "vol-info", cmd_vol_info, "vol-info VOL [--pool P] [--bytes]" },
    { "vol-dumpxml", cmd_vol_dumpxml, "vol-dumpxml VOL [--pool P]" },
    { "vol-path", cmd_vol_path, "vol-path VOL [--pool P]" },
    { "vol-key", cmd_vol_key, "vol-key VOL [--pool P]" },
    { "vol-pool", cmd_vol_pool, "vol-pool VOL [--uuid]" },
    { "vol-create-as", cmd_vol_create_as, "vol-create-as POOL NAME CAPACITY [--allocation A] [--format F]" },
    { "vol-create", cmd_vol_create, "vol-create POOL FILE" },
    { "vol-create-from", cmd_vol_create_from, "vol-create-from POOL FILE VOL [--inputpool P]" },
    { "vol-clone", cmd_vol_clone, "vol-clone VOL NEWNAME [--pool P]" },
    { "vol-delete", cmd_vol_delete, "vol-delete VOL [--pool P]" },
    { "vol-wipe", cmd_vol_wipe, "vol-wipe VOL [--pool P]" },
    { "vol-resize", cmd_vol_resize, "vol-resize VOL CAPACITY [--pool P] [--allocate] [--delta] [--shrink]" },
    { "vol-download", cmd_vol_download, "vol-download VOL FILE [--pool P] [--offset N] [--length N]" },
    { "vol-upload", cmd_vol_upload, "vol-upload VOL FILE [--pool P] [--offset N] [--length N]" },
    { "screenshot", cmd_screenshot, "screenshot DOMAIN [FILE] [--screen N]" },
};

const size_t storage_ncommands = sizeof(storage_commands) / sizeof(storage_commands[0]);
