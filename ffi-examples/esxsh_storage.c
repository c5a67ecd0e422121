/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pool and volume commands: virsh's syntax and output formats
 * (tools/virsh-pool.c and virsh-volume.c describe them), over the storage
 * API of esx_driver.h. Downloads and uploads show their progress on a
 * terminal and stop at Ctrl-C.
 */

#define _DEFAULT_SOURCE

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esxsh.h"

#define POOL_OPT { "pool", OT_DATA, OF_REQ, "pool name or uuid", C_POOL, NULL }
#define VOL_OPT { "vol", OT_DATA, OF_REQ, "volume name, key or path", C_VOLUME, NULL }
#define VOL_POOL_OPT { "pool", OT_STRING, 0, "the pool to find the volume by name in", C_POOL, NULL }

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

static bool
cmd_pool_list(shell *sh, const cmd *c)
{
    bool details = opt_bool(c, "details"), uuid = opt_bool(c, "uuid"), name = opt_bool(c, "name");
    unsigned int flags = ESX_CONNECT_LIST_STORAGE_POOLS_ACTIVE;
    esxStoragePoolPtr *pools = NULL;
    esxConnectPtr conn;
    table *t = NULL;
    int n;

    if (opt_bool(c, "all") && opt_bool(c, "inactive")) {
        err(sh, "Options --%s and --%s are mutually exclusive", "all", "inactive");
        return false;
    }
    if (details && (uuid || name)) {
        err(sh, "Options --%s and --%s are mutually exclusive", "details", uuid ? "uuid" : "name");
        return false;
    }
    if (opt_bool(c, "inactive"))
        flags = ESX_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
    if (opt_bool(c, "all"))
        flags = ESX_CONNECT_LIST_STORAGE_POOLS_ACTIVE | ESX_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
    if (opt_bool(c, "autostart"))
        flags |= ESX_CONNECT_LIST_STORAGE_POOLS_AUTOSTART;
    if (opt_bool(c, "no-autostart"))
        flags |= ESX_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART;
    if (opt_bool(c, "persistent"))
        flags |= ESX_CONNECT_LIST_STORAGE_POOLS_PERSISTENT;
    if (opt_bool(c, "transient"))
        flags |= ESX_CONNECT_LIST_STORAGE_POOLS_TRANSIENT;
    if (!(conn = need_conn(sh)))
        return false;
    if ((n = esxConnectListAllStoragePools(conn, &pools, flags)) < 0)
        return save_error(sh);
    qsort(pools, (size_t)n, sizeof(*pools), by_pool_name);
    if (!uuid && !name)
        t = details ? table_new(7, "Name", "State", "Autostart", "Persistent", "Capacity", "Allocation",
                                "Available")
                    : table_new(3, "Name", "State", "Autostart");
    for (int i = 0; i < n; i++) {
        int autostart = 0, persistent;
        esxStoragePoolInfo info;
        char cap[32] = "-", alloc[32] = "-", avail[32] = "-", u[ESX_UUID_STRING_BUFLEN];
        const char *state, *auto_text;

        if (uuid || name) {
            if (uuid && esxStoragePoolGetUUIDString(pools[i], u) == 0)
                out(sh, "%-36s%c", u, name ? ' ' : '\n');
            if (name)
                out(sh, "%-20s\n", esxStoragePoolGetName(pools[i]));
            esxStoragePoolFree(pools[i]);
            continue;
        }
        persistent = esxStoragePoolIsPersistent(pools[i]);
        auto_text = esxStoragePoolGetAutostart(pools[i], &autostart) < 0 ? "no autostart"
                    : autostart ? "yes" : "no";
        if (esxStoragePoolGetInfo(pools[i], &info) < 0) {
            err(sh, "%s", "Could not retrieve pool information");
            state = "unknown";
            strcpy(cap, "unknown");
            strcpy(alloc, "unknown");
            strcpy(avail, "unknown");
        } else if (details) {
            state = pool_state(info.state);
            if (info.state == ESX_STORAGE_POOL_RUNNING || info.state == ESX_STORAGE_POOL_DEGRADED) {
                pretty_size(cap, sizeof(cap), info.capacity);
                pretty_size(alloc, sizeof(alloc), info.allocation);
                pretty_size(avail, sizeof(avail), info.available);
            }
        } else {
            state = esxStoragePoolIsActive(pools[i]) == 1 ? "active" : "inactive";
        }
        table_add(t, esxStoragePoolGetName(pools[i]), state, auto_text,
                  persistent < 0 ? "unknown" : persistent ? "yes" : "no", cap, alloc, avail);
        esxStoragePoolFree(pools[i]);
    }
    free(pools);
    reset_error(sh);
    if (t)
        table_print(sh, t);
    return true;
}

static bool
cmd_pool_info(shell *sh, const cmd *c)
{
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_ANY);
    char uuid[ESX_UUID_STRING_BUFLEN];
    esxStoragePoolInfo info;
    int autostart = 0, persistent;
    bool ok = false;

    if (!pool)
        return false;
    out(sh, "%-15s %s\n", "Name:", esxStoragePoolGetName(pool));
    if (esxStoragePoolGetUUIDString(pool, uuid) == 0)
        out(sh, "%-15s %s\n", "UUID:", uuid);
    if (esxStoragePoolGetInfo(pool, &info) < 0) {
        save_error(sh);
        goto out;
    }
    out(sh, "%-15s %s\n", "State:", pool_state(info.state));
    persistent = esxStoragePoolIsPersistent(pool);
    out(sh, "%-15s %s\n", "Persistent:", persistent < 0 ? "unknown" : persistent ? "yes" : "no");
    if (esxStoragePoolGetAutostart(pool, &autostart) < 0)
        out(sh, "%-15s %s\n", "Autostart:", "no autostart");
    else
        out(sh, "%-15s %s\n", "Autostart:", autostart ? "yes" : "no");
    if (info.state == ESX_STORAGE_POOL_RUNNING || info.state == ESX_STORAGE_POOL_DEGRADED) {
        if (opt_bool(c, "bytes")) {
            out(sh, "%-15s %llu\n", "Capacity:", info.capacity);
            out(sh, "%-15s %llu\n", "Allocation:", info.allocation);
            out(sh, "%-15s %llu\n", "Available:", info.available);
        } else {
            char b[32];
            pretty_size(b, sizeof(b), info.capacity);
            out(sh, "%-15s %s\n", "Capacity:", b);
            pretty_size(b, sizeof(b), info.allocation);
            out(sh, "%-15s %s\n", "Allocation:", b);
            pretty_size(b, sizeof(b), info.available);
            out(sh, "%-15s %s\n", "Available:", b);
        }
    }
    reset_error(sh);
    ok = true;
out:
    esxStoragePoolFree(pool);
    return ok;
}

static bool
cmd_pool_dumpxml(shell *sh, const cmd *c)
{
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_ANY);
    char *xml;
    if (!pool)
        return false;
    if ((xml = esxStoragePoolGetXMLDesc(pool, 0)))
        out(sh, "%s", xml);
    else
        save_error(sh);
    esxStoragePoolFree(pool);
    free(xml);
    return xml != NULL;
}

static bool
cmd_pool_refresh(shell *sh, const cmd *c)
{
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_ANY);
    bool ok;
    if (!pool)
        return false;
    ok = esxStoragePoolRefresh(pool, 0) == 0;
    if (ok) {
        out_extra(sh, "Pool %s refreshed\n", opt_string(c, "pool"));
    } else {
        save_error(sh);
        err(sh, "Failed to refresh pool %s", opt_string(c, "pool"));
    }
    esxStoragePoolFree(pool);
    return ok;
}

static bool
cmd_pool_autostart(shell *sh, const cmd *c)
{
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_ANY);
    bool disable = opt_bool(c, "disable"), ok;
    const char *name = opt_string(c, "pool");
    if (!pool)
        return false;
    ok = esxStoragePoolSetAutostart(pool, !disable) == 0;
    if (ok) {
        out_extra(sh, "Pool %s %s as autostarted\n", name, disable ? "unmarked" : "marked");
    } else {
        save_error(sh);
        err(sh, "failed to %s pool %s as autostarted", disable ? "unmark" : "mark", name);
    }
    esxStoragePoolFree(pool);
    return ok;
}

static bool
cmd_pool_uuid(shell *sh, const cmd *c)
{
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_NAME);
    char uuid[ESX_UUID_STRING_BUFLEN];
    if (!pool)
        return false;
    if (esxStoragePoolGetUUIDString(pool, uuid) == 0)
        out(sh, "%s\n", uuid);
    else
        err(sh, "%s", "failed to get pool UUID");
    esxStoragePoolFree(pool);
    return true;
}

static bool
cmd_pool_name(shell *sh, const cmd *c)
{
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_UUID);
    if (!pool)
        return false;
    out(sh, "%s\n", esxStoragePoolGetName(pool));
    esxStoragePoolFree(pool);
    return true;
}

/* ---- volumes ---- */

static bool
cmd_vol_list(shell *sh, const cmd *c)
{
    bool details = opt_bool(c, "details");
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_ANY);
    esxStorageVolPtr *vols = NULL;
    table *t;
    int n;

    if (!pool)
        return false;
    n = esxStoragePoolListAllVolumes(pool, &vols, 0);
    if (n < 0) {
        /* Saved before the free, which resets the last error. */
        save_error(sh);
        esxStoragePoolFree(pool);
        return false;
    }
    esxStoragePoolFree(pool);
    qsort(vols, (size_t)n, sizeof(*vols), by_vol_name);
    t = details ? table_new(5, "Name", "Path", "Type", "Capacity", "Allocation") : table_new(2, "Name", "Path");
    for (int i = 0; i < n; i++) {
        char *path = esxStorageVolGetPath(vols[i]);
        esxStorageVolInfo info;
        char cap[32] = "unknown", alloc[32] = "unknown";
        const char *type = "unknown";
        if (details && esxStorageVolGetInfo(vols[i], &info) == 0) {
            type = vol_type(info.type);
            pretty_size(cap, sizeof(cap), info.capacity);
            pretty_size(alloc, sizeof(alloc), info.allocation);
        }
        table_add(t, esxStorageVolGetName(vols[i]), path ? path : "unknown", type, cap, alloc);
        free(path);
        esxStorageVolFree(vols[i]);
    }
    free(vols);
    reset_error(sh);
    table_print(sh, t);
    return true;
}

static bool
cmd_vol_info(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", "pool", BY_ANY);
    esxStorageVolInfo info;
    bool ok;
    if (!vol)
        return false;
    out(sh, "%-15s %s\n", "Name:", esxStorageVolGetName(vol));
    ok = esxStorageVolGetInfo(vol, &info) == 0;
    if (!ok) {
        save_error(sh);
    } else {
        const char *alloc = opt_bool(c, "physical") ? "Physical:" : "Allocation:";
        out(sh, "%-15s %s\n", "Type:", vol_type(info.type));
        if (opt_bool(c, "bytes")) {
            out(sh, "%-15s %llu %s\n", "Capacity:", info.capacity, "bytes");
            out(sh, "%-15s %llu %s\n", alloc, info.allocation, "bytes");
        } else {
            char b[32];
            pretty_size(b, sizeof(b), info.capacity);
            out(sh, "%-15s %s\n", "Capacity:", b);
            pretty_size(b, sizeof(b), info.allocation);
            out(sh, "%-15s %s\n", alloc, b);
        }
    }
    esxStorageVolFree(vol);
    return ok;
}

static bool
cmd_vol_dumpxml(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", "pool", BY_ANY);
    char *xml;
    if (!vol)
        return false;
    if ((xml = esxStorageVolGetXMLDesc(vol, 0)))
        out(sh, "%s", xml);
    else
        save_error(sh);
    esxStorageVolFree(vol);
    free(xml);
    return xml != NULL;
}

static bool
cmd_vol_path(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", "pool", BY_ANY);
    char *path;
    if (!vol)
        return false;
    if ((path = esxStorageVolGetPath(vol)))
        out(sh, "%s\n", path);
    else
        save_error(sh);
    esxStorageVolFree(vol);
    free(path);
    return path != NULL;
}

static bool
cmd_vol_key(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", "pool", BY_ANY);
    const char *key;
    bool ok;
    if (!vol)
        return false;
    key = esxStorageVolGetKey(vol);
    if ((ok = key != NULL))
        out(sh, "%s\n", key);
    else
        save_error(sh);
    esxStorageVolFree(vol);
    return ok;
}

static bool
cmd_vol_pool(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", NULL, BY_UUID);
    esxStoragePoolPtr pool;
    char uuid[ESX_UUID_STRING_BUFLEN];
    if (!vol)
        return false;
    pool = esxStoragePoolLookupByVolume(vol);
    if (!pool)
        save_error(sh); /* before the free, which resets it */
    esxStorageVolFree(vol);
    if (!pool) {
        err(sh, "%s", "failed to get parent pool");
        return false;
    }
    if (opt_bool(c, "uuid")) {
        if (esxStoragePoolGetUUIDString(pool, uuid) == 0)
            out(sh, "%s\n", uuid);
    } else {
        out(sh, "%s\n", esxStoragePoolGetName(pool));
    }
    esxStoragePoolFree(pool);
    return true;
}

static bool
cmd_vol_name(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", NULL, BY_UUID);
    if (!vol)
        return false;
    out(sh, "%s\n", esxStorageVolGetName(vol));
    esxStorageVolFree(vol);
    return true;
}

static bool
cmd_vol_delete(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", "pool", BY_ANY);
    char *name;
    bool ok;
    if (!vol)
        return false;
    name = strdup(esxStorageVolGetName(vol));
    ok = esxStorageVolDelete(vol, 0) == 0;
    if (ok) {
        out_extra(sh, "Vol %s deleted\n", name);
    } else {
        save_error(sh);
        err(sh, "Failed to delete vol %s", name);
    }
    free(name);
    esxStorageVolFree(vol);
    return ok;
}

static bool
cmd_vol_wipe(shell *sh, const cmd *c)
{
    const char *algorithm = opt_string(c, "algorithm");
    esxStorageVolPtr vol;
    char *name;
    bool ok;
    if (algorithm && strcmp(algorithm, "zero") != 0) {
        err(sh, "Unsupported algorithm '%s'", algorithm);
        return false;
    }
    if (!(vol = opt_vol(sh, c, "vol", "pool", BY_ANY)))
        return false;
    name = strdup(esxStorageVolGetName(vol));
    ok = esxStorageVolWipe(vol, 0) == 0;
    if (ok) {
        out_extra(sh, "Vol %s wiped\n", name);
    } else {
        save_error(sh);
        err(sh, "Failed to wipe vol %s", name);
    }
    free(name);
    esxStorageVolFree(vol);
    return ok;
}

static bool
cmd_vol_resize(shell *sh, const cmd *c)
{
    const char *text = opt_string(c, "capacity");
    unsigned int flags = 0;
    bool delta = opt_bool(c, "delta");
    unsigned long long capacity;
    esxStorageVolPtr vol;
    char *name;
    bool ok;

    if (opt_bool(c, "allocate"))
        flags |= ESX_STORAGE_VOL_RESIZE_ALLOCATE;
    if (opt_bool(c, "shrink"))
        flags |= ESX_STORAGE_VOL_RESIZE_SHRINK;
    if (*text == '-') {
        if (!(flags & ESX_STORAGE_VOL_RESIZE_SHRINK)) {
            err(sh, "%s", "negative size requires --shrink");
            return false;
        }
        text++;
        delta = true;
    }
    if (delta)
        flags |= ESX_STORAGE_VOL_RESIZE_DELTA;
    if (parse_scaled(text, 1, ~0ULL, &capacity) < 0) {
        err(sh, "Malformed size %s", text);
        return false;
    }
    if (!(vol = opt_vol(sh, c, "vol", "pool", BY_ANY)))
        return false;
    name = strdup(esxStorageVolGetName(vol));
    ok = esxStorageVolResize(vol, capacity, flags) == 0;
    if (!ok) {
        save_error(sh);
        err(sh, delta ? "Failed to change size of volume '%s' by %s" : "Failed to change size of volume '%s' to %s",
            name, text);
    } else {
        out_extra(sh, delta ? "Size of volume '%s' successfully changed by %s\n"
                            : "Size of volume '%s' successfully changed to %s\n",
                  name, text);
    }
    free(name);
    esxStorageVolFree(vol);
    return ok;
}

/* A copy of `xml` whose first <name> holds `name` (escaped). */
static char *
renamed(const char *xml, const char *name)
{
    const char *open = strstr(xml, "<name>");
    const char *close = open ? strstr(open, "</name>") : NULL;
    char *e, *o;
    if (!close || !(e = xml_escape(name)))
        return NULL;
    if ((o = malloc(strlen(xml) + strlen(e) + 1))) {
        memcpy(o, xml, (size_t)(open - xml) + 6);
        strcpy(o + (open - xml) + 6, e);
        strcat(o, close);
    }
    free(e);
    return o;
}

static bool
cmd_vol_clone(shell *sh, const cmd *c)
{
    esxStorageVolPtr vol = opt_vol(sh, c, "vol", "pool", BY_ANY), copy = NULL;
    const char *newname = opt_string(c, "newname");
    esxStoragePoolPtr pool;
    char *xml, *clone_xml, *from;
    bool ok = false;

    if (!vol)
        return false;
    from = strdup(esxStorageVolGetName(vol));
    if (!(pool = esxStoragePoolLookupByVolume(vol))) {
        save_error(sh);
        err(sh, "%s", "failed to get parent pool");
        goto out;
    }
    xml = esxStorageVolGetXMLDesc(vol, 0);
    if (!xml)
        save_error(sh);
    clone_xml = xml ? renamed(xml, newname) : NULL;
    free(xml);
    if (clone_xml && opt_bool(c, "print-xml")) {
        out(sh, "%s", clone_xml);
        ok = true;
    } else if (clone_xml) {
        if (!(copy = esxStorageVolCreateXMLFrom(pool, clone_xml, vol, 0))) {
            save_error(sh);
            err(sh, "Failed to clone vol from %s", from);
        } else {
            out_extra(sh, "Vol %s cloned from %s\n", esxStorageVolGetName(copy), from);
            esxStorageVolFree(copy);
            ok = true;
        }
    }
    free(clone_xml);
    esxStoragePoolFree(pool);
out:
    free(from);
    esxStorageVolFree(vol);
    return ok;
}

static bool
create_in(shell *sh, const cmd *c, const char *xml, esxStorageVolPtr source, esxStorageVolPtr *made)
{
    esxStoragePoolPtr pool = opt_pool(sh, c, "pool", BY_ANY);
    if (!pool)
        return false;
    *made = source ? esxStorageVolCreateXMLFrom(pool, xml, source, 0) : esxStorageVolCreateXML(pool, xml, 0);
    if (!*made)
        save_error(sh);
    esxStoragePoolFree(pool);
    return *made != NULL;
}

static bool
cmd_vol_create_as(shell *sh, const cmd *c)
{
    const char *name = opt_string(c, "name"), *cap_text = opt_string(c, "capacity");
    const char *alloc_text = opt_string(c, "allocation"), *format = opt_string(c, "format");
    unsigned long long capacity, allocation = 0;
    esxStorageVolPtr vol = NULL;
    char *xml = NULL, *e;
    size_t len = 0;
    FILE *f;
    bool ok;

    if (parse_scaled(cap_text, 1, ~0ULL, &capacity) < 0) {
        err(sh, "Malformed size %s", cap_text);
        return false;
    }
    if (alloc_text && parse_scaled(alloc_text, 1, ~0ULL, &allocation) < 0) {
        err(sh, "Malformed size %s", alloc_text);
        return false;
    }
    /* virsh's document: name, capacity, then what was given. */
    if (!(f = open_memstream(&xml, &len)))
        return false;
    e = xml_escape(name);
    fprintf(f, "<volume>\n  <name>%s</name>\n  <capacity>%llu</capacity>\n", e ? e : "", capacity);
    free(e);
    if (alloc_text)
        fprintf(f, "  <allocation>%llu</allocation>\n", allocation);
    if (format) {
        e = xml_escape(format);
        fprintf(f, "  <target>\n    <format type='%s'/>\n  </target>\n", e ? e : "");
        free(e);
    }
    fputs("</volume>\n", f);
    fclose(f);
    if (opt_bool(c, "print-xml")) {
        out(sh, "%s", xml);
        free(xml);
        return true;
    }
    ok = create_in(sh, c, xml, NULL, &vol);
    free(xml);
    if (!ok) {
        err(sh, "Failed to create vol %s", name);
        return false;
    }
    out_extra(sh, "Vol %s created\n", name);
    esxStorageVolFree(vol);
    return true;
}

static bool
cmd_vol_create(shell *sh, const cmd *c)
{
    const char *file = opt_string(c, "file");
    esxStorageVolPtr vol = NULL;
    char *xml = read_file(sh, file);
    bool ok;
    if (!xml)
        return false;
    ok = create_in(sh, c, xml, NULL, &vol);
    free(xml);
    if (!ok) {
        err(sh, "Failed to create vol from %s", file);
        return false;
    }
    out_extra(sh, "Vol %s created from %s\n", esxStorageVolGetName(vol), file);
    esxStorageVolFree(vol);
    return true;
}

static bool
cmd_vol_create_from(shell *sh, const cmd *c)
{
    const char *file = opt_string(c, "file");
    esxStorageVolPtr source, vol = NULL;
    char *xml = read_file(sh, file);
    bool ok;
    if (!xml)
        return false;
    if (!(source = opt_vol(sh, c, "vol", "inputpool", BY_ANY))) {
        free(xml);
        return false;
    }
    ok = create_in(sh, c, xml, source, &vol);
    free(xml);
    if (!ok) {
        err(sh, "Failed to create vol from %s", file);
    } else {
        out_extra(sh, "Vol %s created from input vol %s\n", esxStorageVolGetName(vol), esxStorageVolGetName(source));
        esxStorageVolFree(vol);
    }
    esxStorageVolFree(source);
    return ok;
}

/* ---- transfers ---- */

#define CHUNK (1 << 18)
/* A block of zeros this size is a hole in a --sparse download. */
#define HOLE (64 * 1024)

static bool
all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Writes a chunk; with `sparse`, blocks of zeros become holes (the file
 * is made as long as it should be at the end). */
static bool
write_chunk(int fd, const char *buf, size_t n, bool sparse)
{
    size_t done = 0;
    while (done < n) {
        size_t len = n - done < HOLE ? n - done : HOLE;
        if (sparse && all_zero(buf + done, len)) {
            if (lseek(fd, (off_t)len, SEEK_CUR) < 0)
                return false;
        } else {
            size_t w = 0;
            while (w < len) {
                ssize_t r = write(fd, buf + done + w, len - w);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0)
                    return false;
                w += (size_t)r;
            }
        }
        done += len;
    }
    return true;
}

static bool
cmd_vol_download(shell *sh, const cmd *c)
{
    const char *file = opt_string(c, "file");
    bool sparse = opt_bool(c, "sparse"), ok = false, transferring = false, created = false;
    unsigned long long offset = 0, length = 0, total = 0, got = 0;
    esxStorageVolPtr vol;
    esxStreamPtr st = NULL;
    esxStorageVolInfo info;
    char *buf = NULL, *name = NULL;
    int fd, n = 0;

    if (opt_scaled(sh, c, "offset", 1, &offset) < 0 || opt_scaled(sh, c, "length", 1, &length) < 0)
        return false;
    if (!(vol = opt_vol(sh, c, "vol", "pool", BY_ANY)))
        return false;
    name = strdup(esxStorageVolGetName(vol));
    /* As virsh: a file that existed before is written over but never removed on failure, and
     * only a regular file this command created is removed (never a device, a FIFO or a link). */
    if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) >= 0) {
        struct stat stb;
        created = fstat(fd, &stb) == 0 && S_ISREG(stb.st_mode);
    } else if (errno != EEXIST || (fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
        err(sh, "cannot create %s", file);
        goto out;
    }
    if (!(buf = malloc(CHUNK)) || !(st = esxStreamNew(esxStorageVolGetConnect(vol), 0))) {
        save_error(sh);
        goto close;
    }
    if (esxStorageVolGetInfo(vol, &info) == 0)
        total = length ? length : (info.capacity > offset ? info.capacity - offset : 0);
    if (esxStorageVolDownload(vol, st, offset, length, 0) < 0) {
        save_error(sh);
        err(sh, "cannot download from volume %s", name);
        goto close;
    }
    transfer_begin(sh, "vol-download", total, opt_bool(c, "verbose"));
    transferring = true;
    while ((n = esxStreamRecv(st, buf, CHUNK)) > 0) {
        if (!write_chunk(fd, buf, (size_t)n, sparse)) {
            err(sh, "cannot write to %s: %s", file, strerror(errno));
            esxStreamAbort(st);
            goto close;
        }
        got += (unsigned long long)n;
        transfer_add((unsigned long long)n);
        if (transfer_cancelled()) {
            esxStreamAbort(st);
            transfer_end(sh, false);
            transferring = false;
            err(sh, "%s", "operation aborted by the user (Ctrl-C)");
            goto close;
        }
    }
    if (n < 0 || esxStreamFinish(st) < 0) {
        save_error(sh);
        transfer_end(sh, false);
        transferring = false;
        err(sh, "cannot receive data from volume %s", name);
        goto close;
    }
    if (sparse && ftruncate(fd, (off_t)got) < 0) {
        err(sh, "cannot write to %s: %s", file, strerror(errno));
        goto close;
    }
    ok = true;
close:
    if (transferring)
        transfer_end(sh, ok);
    if (close(fd) != 0 && ok) {
        err(sh, "cannot close %s: %s", file, strerror(errno));
        ok = false;
    }
    if (!ok && created)
        unlink(file);
out:
    if (st)
        esxStreamFree(st);
    free(buf);
    free(name);
    esxStorageVolFree(vol);
    return ok;
}

static bool
cmd_vol_upload(shell *sh, const cmd *c)
{
    const char *file = opt_string(c, "file");
    unsigned long long offset = 0, length = 0;
    esxStorageVolPtr vol;
    esxStreamPtr st = NULL;
    struct stat sb;
    char *buf = NULL, *name = NULL;
    bool ok = false, transferring = false;
    ssize_t n;
    int fd;

    if (opt_scaled(sh, c, "offset", 1, &offset) < 0 || opt_scaled(sh, c, "length", 1, &length) < 0)
        return false;
    if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
        err(sh, "cannot read %s", file);
        return false;
    }
    if (!(vol = opt_vol(sh, c, "vol", "pool", BY_ANY))) {
        close(fd);
        return false;
    }
    name = strdup(esxStorageVolGetName(vol));
    if (!(buf = malloc(CHUNK)) || !(st = esxStreamNew(esxStorageVolGetConnect(vol), 0))) {
        save_error(sh);
        goto out;
    }
    if (esxStorageVolUpload(vol, st, offset, length, 0) < 0) {
        save_error(sh);
        err(sh, "cannot upload to volume %s", name);
        goto out;
    }
    transfer_begin(sh, "vol-upload", fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (unsigned long long)sb.st_size : 0,
                   opt_bool(c, "verbose"));
    transferring = true;
    while ((n = read(fd, buf, CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err(sh, "cannot read %s", file);
            esxStreamAbort(st);
            goto out;
        }
        if (esxStreamSend(st, buf, (size_t)n) < 0) {
            save_error(sh);
            err(sh, "cannot send data to volume %s", name);
            esxStreamAbort(st);
            goto out;
        }
        transfer_add((unsigned long long)n);
        if (transfer_cancelled()) {
            /* Cut off: the host keeps the volume as it was. */
            esxStreamAbort(st);
            transfer_end(sh, false);
            transferring = false;
            err(sh, "%s", "operation aborted by the user (Ctrl-C); the volume is unchanged");
            goto out;
        }
    }
    if (esxStreamFinish(st) < 0) {
        save_error(sh);
        transfer_end(sh, false);
        transferring = false;
        err(sh, "cannot close volume %s", name);
        goto out;
    }
    ok = true;
out:
    if (transferring)
        transfer_end(sh, ok);
    if (st)
        esxStreamFree(st);
    free(buf);
    free(name);
    close(fd);
    esxStorageVolFree(vol);
    return ok;
}

/* ---- the tables ---- */

static const opt_def opts_pool_list[] = {
    { "inactive", OT_BOOL, 0, "only the inactive pools", C_NONE, NULL },
    { "all", OT_BOOL, 0, "the active and the inactive pools", C_NONE, NULL },
    { "transient", OT_BOOL, 0, "only transient pools (none on ESX)", C_NONE, NULL },
    { "persistent", OT_BOOL, 0, "only persistent pools", C_NONE, NULL },
    { "autostart", OT_BOOL, 0, "only pools that start with the host", C_NONE, NULL },
    { "no-autostart", OT_BOOL, 0, "only pools that do not start with the host", C_NONE, NULL },
    { "details", OT_BOOL, 0, "add persistence and sizes", C_NONE, NULL },
    { "uuid", OT_BOOL, 0, "only the UUIDs", C_NONE, NULL },
    { "name", OT_BOOL, 0, "only the names", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_pool[] = { POOL_OPT, { NULL } };
static const opt_def opts_pool_info[] = {
    POOL_OPT,
    { "bytes", OT_BOOL, 0, "sizes in bytes", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_pool_autostart[] = {
    POOL_OPT,
    { "disable", OT_BOOL, 0, "do not start it with the host (refused: a datastore always does)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_list[] = {
    POOL_OPT,
    { "details", OT_BOOL, 0, "add type and sizes", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol[] = { VOL_OPT, VOL_POOL_OPT, { NULL } };
static const opt_def opts_vol_info[] = {
    VOL_OPT,
    VOL_POOL_OPT,
    { "bytes", OT_BOOL, 0, "sizes in bytes", C_NONE, NULL },
    { "physical", OT_BOOL, 0, "label the allocation as the physical size", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_by_key[] = {
    { "vol", OT_DATA, OF_REQ, "volume key or path", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_pool[] = {
    { "vol", OT_DATA, OF_REQ, "volume key or path", C_NONE, NULL },
    { "uuid", OT_BOOL, 0, "print the pool's UUID instead of its name", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_create_as[] = {
    POOL_OPT,
    { "name", OT_DATA, OF_REQ, "the volume's name: directory/file.vmdk", C_NONE, NULL },
    { "capacity", OT_DATA, OF_REQ, "its size, as a scaled integer (default bytes)", C_NONE, NULL },
    { "allocation", OT_STRING, 0, "0 for a thin disk, the capacity for a preallocated one", C_NONE, NULL },
    { "format", OT_STRING, 0, "the file format: vmdk", C_WORDS, "vmdk" },
    { "print-xml", OT_BOOL, 0, "print the XML instead of creating the volume", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_create[] = {
    POOL_OPT,
    { "file", OT_DATA, OF_REQ, "file with the volume's XML", C_FILE, NULL },
    { NULL }
};
static const opt_def opts_vol_create_from[] = {
    POOL_OPT,
    { "file", OT_DATA, OF_REQ, "file with the new volume's XML", C_FILE, NULL },
    { "vol", OT_DATA, OF_REQ, "the volume to copy: name, key or path", C_VOLUME, NULL },
    { "inputpool", OT_STRING, 0, "the pool to find the volume to copy by name in", C_POOL, NULL },
    { NULL }
};
static const opt_def opts_vol_clone[] = {
    VOL_OPT,
    { "newname", OT_DATA, OF_REQ, "the copy's name", C_NONE, NULL },
    VOL_POOL_OPT,
    { "print-xml", OT_BOOL, 0, "print the copy's XML instead of making it", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_wipe[] = {
    VOL_OPT,
    VOL_POOL_OPT,
    { "algorithm", OT_STRING, 0, "how to wipe: zero (the only way on ESX)", C_WORDS, "zero" },
    { NULL }
};
static const opt_def opts_vol_resize[] = {
    VOL_OPT,
    { "capacity", OT_DATA, OF_REQ, "the new size (or with --delta the growth), as a scaled integer", C_NONE, NULL },
    VOL_POOL_OPT,
    { "allocate", OT_BOOL, 0, "allocate the new space now (eagerly zeroed)", C_NONE, NULL },
    { "delta", OT_BOOL, 0, "grow by the capacity given", C_NONE, NULL },
    { "shrink", OT_BOOL, 0, "shrink (refused: ESX cannot shrink a disk)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_download[] = {
    VOL_OPT,
    { "file", OT_DATA, OF_REQ, "the local file to write", C_FILE, NULL },
    VOL_POOL_OPT,
    { "offset", OT_SIZE, 0, "where to start in the volume", C_NONE, NULL },
    { "length", OT_SIZE, 0, "how much to read (default: to the end)", C_NONE, NULL },
    { "sparse", OT_BOOL, 0, "leave holes in the file where the volume reads zeros", C_NONE, NULL },
    { "verbose", OT_BOOL, 0, "show the progress (on a terminal, even with -q)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_vol_upload[] = {
    VOL_OPT,
    { "file", OT_DATA, OF_REQ, "the local file to read", C_FILE, NULL },
    VOL_POOL_OPT,
    { "offset", OT_SIZE, 0, "where to start in the volume (0: the host replaces files whole)", C_NONE, NULL },
    { "length", OT_SIZE, 0, "how much to write (a disk takes exactly its capacity)", C_NONE, NULL },
    { "verbose", OT_BOOL, 0, "show the progress (on a terminal, even with -q)", C_NONE, NULL },
    { NULL }
};

const cmd_def pool_cmds[] = {
    { "pool-autostart", cmd_pool_autostart, opts_pool_autostart, "whether a pool starts with the host",
      "Marks the pool as started with the host (a datastore always is).", 0 },
    { "pool-dumpxml", cmd_pool_dumpxml, opts_pool, "print a pool's XML", "Prints the pool's XML description.",
      0 },
    { "pool-info", cmd_pool_info, opts_pool_info, "information about a pool",
      "Prints the pool's name, UUID, state, persistence, autostart and sizes.", 0 },
    { "pool-list", cmd_pool_list, opts_pool_list, "list the pools",
      "Lists the storage pools (datastores and iSCSI targets): by default the active ones.", 0 },
    { "pool-name", cmd_pool_name, opts_pool, "a pool's name from its UUID", "Prints the name of the pool with "
      "this UUID.", 0 },
    { "pool-refresh", cmd_pool_refresh, opts_pool, "read a pool again",
      "Asks the host to read the datastore (or rescan the iSCSI adapter) again.", 0 },
    { "pool-uuid", cmd_pool_uuid, opts_pool, "a pool's UUID from its name", "Prints the UUID of the pool with this "
      "name.", 0 },
    { NULL }
};

const cmd_def volume_cmds[] = {
    { "vol-clone", cmd_vol_clone, opts_vol_clone, "copy a volume in its pool",
      "Copies the volume under a new name in the same pool.", 0 },
    { "vol-create", cmd_vol_create, opts_vol_create, "create a volume from an XML file",
      "Creates the volume an XML file describes (the directory of its name is made if missing).", 0 },
    { "vol-create-as", cmd_vol_create_as, opts_vol_create_as, "create a volume from a name and sizes",
      "Creates a virtual disk: thin with --allocation 0, preallocated with --allocation equal to the "
      "capacity.",
      0 },
    { "vol-create-from", cmd_vol_create_from, opts_vol_create_from, "create a volume as a copy of another",
      "Creates the volume an XML file describes with the contents of another volume.", 0 },
    { "vol-delete", cmd_vol_delete, opts_vol, "delete a volume", "Deletes the volume and its data.", 0 },
    { "vol-download", cmd_vol_download, opts_vol_download, "copy a volume's contents to a file",
      "Writes the volume's data (a virtual disk's flat extent, or an image) to a local file. On a terminal "
      "the bytes moved and the rate are shown; Ctrl-C stops and removes the file.",
      0 },
    { "vol-dumpxml", cmd_vol_dumpxml, opts_vol, "print a volume's XML", "Prints the volume's XML description.", 0 },
    { "vol-info", cmd_vol_info, opts_vol_info, "information about a volume",
      "Prints the volume's name, type, capacity and allocation.", 0 },
    { "vol-key", cmd_vol_key, opts_vol, "a volume's key", "Prints the volume's key.", 0 },
    { "vol-list", cmd_vol_list, opts_vol_list, "list a pool's volumes", "Lists the volumes of the pool.", 0 },
    { "vol-name", cmd_vol_name, opts_vol_by_key, "a volume's name from its key or path",
      "Prints the name of the volume with this key or path.", 0 },
    { "vol-path", cmd_vol_path, opts_vol, "a volume's path", "Prints the volume's path.", 0 },
    { "vol-pool", cmd_vol_pool, opts_vol_pool, "the pool of a volume",
      "Prints the name (or UUID) of the pool that holds the volume.", 0 },
    { "vol-resize", cmd_vol_resize, opts_vol_resize, "grow a volume",
      "Grows a virtual disk to the capacity given, or by it with --delta.", 0 },
    { "vol-upload", cmd_vol_upload, opts_vol_upload, "copy a file into a volume",
      "Replaces the volume's data with a local file's (a disk takes exactly its capacity). On a terminal the "
      "bytes moved and the rate are shown; Ctrl-C stops and the volume keeps its old data.",
      0 },
    { "vol-wipe", cmd_vol_wipe, opts_vol_wipe, "wipe a volume", "Overwrites the volume's data with zeros.", 0 },
    { NULL }
};
