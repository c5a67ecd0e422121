/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshot commands, with virsh's syntax and output (tools/virsh-snapshot.c
 * describes it): the listing's columns, its name order and tree, the
 * snapshot named or --current.
 */

#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "esxsh.h"

#define DOMAIN_OPT { "domain", OT_DATA, OF_REQ, "the domain's name, id or UUID", C_DOMAIN, NULL }
#define SNAPNAME_OPT { "snapshotname", OT_STRING, 0, "the snapshot's name", C_SNAPSHOT, NULL }
#define CURRENT_OPT(h) { "current", OT_BOOL, 0, h, C_NONE, NULL }
#define VERBOSE_OPT { "verbose", OT_BOOL, 0, "show the task's progress (on a terminal, even with -q)", C_NONE, NULL }

/* The snapshot of option `arg`, or --current (virsh's virshLookupSnapshot). */
static esxDomainSnapshotPtr
pick_snapshot(shell *sh, const cmd *c, const char *arg, bool exclusive, esxDomainPtr dom)
{
    const char *name = opt_string(c, arg);
    bool current = opt_bool(c, "current");
    esxDomainSnapshotPtr s;
    if (exclusive && current && name) {
        err(sh, "--%s and --current are mutually exclusive", arg);
        return NULL;
    }
    if (name)
        s = esxDomainSnapshotLookupByName(dom, name, 0);
    else if (current)
        s = esxDomainSnapshotCurrent(dom, 0);
    else {
        err(sh, "--%s or --current is required", arg);
        return NULL;
    }
    if (!s) {
        save_error(sh);
        report_error(sh);
    }
    return s;
}

/* The checks virsh makes before it looks anything up. */
static bool
need_snapshot_arg(shell *sh, const cmd *c, const char *arg)
{
    if (opt_bool(c, "current") && opt_string(c, arg)) {
        err(sh, "--%s and --current are mutually exclusive", arg);
        return false;
    }
    if (!opt_bool(c, "current") && !opt_string(c, arg)) {
        err(sh, "--%s or --current is required", arg);
        return false;
    }
    return true;
}

/* ---- create ---- */

static bool
create(shell *sh, const cmd *c, esxDomainPtr dom, const char *xml, unsigned int flags, const char *from)
{
    esxDomainSnapshotPtr s;
    char label[512];
    snprintf(label, sizeof(label), "Creating a snapshot of domain '%s'", esxDomainGetName(dom));
    job_begin(sh, dom, label, opt_bool(c, "verbose"));
    s = esxDomainSnapshotCreateXML(dom, xml, flags);
    if (!s)
        save_error(sh);
    job_end(sh, s != NULL);
    if (!s)
        return false;
    if (from)
        out_extra(sh, "Domain snapshot %s created from '%s'", esxDomainSnapshotGetName(s), from);
    else
        out_extra(sh, "Domain snapshot %s created", esxDomainSnapshotGetName(s));
    esxDomainSnapshotFree(s);
    return true;
}

static unsigned int
create_flags(const cmd *c)
{
    unsigned int flags = 0;
    if (opt_bool(c, "disk-only"))
        flags |= ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
    if (opt_bool(c, "quiesce"))
        flags |= ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE;
    return flags;
}

static bool
cmd_snapshot_create(shell *sh, const cmd *c)
{
    const char *from = opt_string(c, "xmlfile");
    char *xml = from ? read_file(sh, from) : strdup("<domainsnapshot/>");
    esxDomainPtr dom;
    bool ok;
    if (!xml)
        return false;
    if (!(dom = opt_domain(sh, c, BY_ANY))) {
        free(xml);
        return false;
    }
    ok = create(sh, c, dom, xml, create_flags(c), from);
    free(xml);
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_snapshot_create_as(shell *sh, const cmd *c)
{
    const char *name = opt_string(c, "name"), *desc = opt_string(c, "description");
    char *xml = NULL, *e;
    size_t len = 0;
    esxDomainPtr dom;
    FILE *f = open_memstream(&xml, &len);
    bool ok;

    if (!f)
        return false;
    fputs("<domainsnapshot>\n", f);
    if (name) {
        e = xml_escape(name);
        fprintf(f, "  <name>%s</name>\n", e ? e : "");
        free(e);
    }
    if (desc) {
        e = xml_escape(desc);
        fprintf(f, "  <description>%s</description>\n", e ? e : "");
        free(e);
    }
    fputs("</domainsnapshot>\n", f);
    fclose(f);
    if (opt_bool(c, "print-xml")) {
        out(sh, "%s\n", xml);
        free(xml);
        return true;
    }
    if (!(dom = opt_domain(sh, c, BY_ANY))) {
        free(xml);
        return false;
    }
    ok = create(sh, c, dom, xml, create_flags(c), NULL);
    free(xml);
    esxDomainFree(dom);
    return ok;
}

/* ---- listing ---- */

typedef struct {
    esxDomainSnapshotPtr snap;
    char *parent;
} snap_entry;

static int
by_name(const void *a, const void *b)
{
    return strcasecmp(esxDomainSnapshotGetName(((const snap_entry *)a)->snap),
                      esxDomainSnapshotGetName(((const snap_entry *)b)->snap));
}

/* virsh's tree drawing (vshTreePrint): each child under its parent with
 * "+- ", a "|" line before the first child, a blank line after the last
 * leaf of a list. */
static void
tree_print(shell *sh, snap_entry *s, size_t n, size_t dev, size_t lastdev, bool root, char *indent)
{
    size_t len = strlen(indent);
    long nextlast = -1;
    const char *name = esxDomainSnapshotGetName(s[dev].snap);

    out(sh, "%s%s%s\n", indent, root ? "" : "+- ", name);
    if (!root) {
        strcat(indent, dev == lastdev ? " " : "|");
        strcat(indent, " ");
    }
    for (size_t i = 0; i < n; i++)
        if (s[i].parent && strcmp(s[i].parent, name) == 0)
            nextlast = (long)i;
    if (nextlast != -1)
        out(sh, "%s  |\n", indent);
    strcat(indent, "  ");
    for (size_t i = 0; i < n; i++)
        if (s[i].parent && strcmp(s[i].parent, name) == 0)
            tree_print(sh, s, n, i, (size_t)nextlast, false, indent);
    indent[strlen(indent) - 2] = '\0';
    if (nextlast == -1 && dev == lastdev)
        out(sh, "%s\n", indent);
    indent[len] = '\0';
}

static const struct {
    const char *option;
    unsigned int flag;
} list_filters[] = {
    { "leaves", ESX_DOMAIN_SNAPSHOT_LIST_LEAVES },
    { "no-leaves", ESX_DOMAIN_SNAPSHOT_LIST_NO_LEAVES },
    { "inactive", ESX_DOMAIN_SNAPSHOT_LIST_INACTIVE },
    { "active", ESX_DOMAIN_SNAPSHOT_LIST_ACTIVE },
    { "disk-only", ESX_DOMAIN_SNAPSHOT_LIST_DISK_ONLY },
    { "internal", ESX_DOMAIN_SNAPSHOT_LIST_INTERNAL },
    { "external", ESX_DOMAIN_SNAPSHOT_LIST_EXTERNAL },
};

static bool
cmd_snapshot_list(shell *sh, const cmd *c)
{
    bool tree = opt_bool(c, "tree"), name = opt_bool(c, "name"), parent = opt_bool(c, "parent"),
         roots = opt_bool(c, "roots"), current = opt_bool(c, "current"), from = opt_string(c, "from") != NULL;
    unsigned int flags = 0;
    esxDomainSnapshotPtr start = NULL, *snaps = NULL;
    snap_entry *list = NULL;
    esxDomainPtr dom;
    size_t n = 0;
    int count;
    bool ok = false;

    static const char *const pairs[][2] = { { "tree", "name" }, { "parent", "roots" }, { "parent", "tree" },
                                            { "roots", "tree" }, { "roots", "from" }, { "roots", "current" } };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (opt_bool(c, pairs[i][0]) && opt_bool(c, pairs[i][1])) {
            err(sh, "Options --%s and --%s are mutually exclusive", pairs[i][0], pairs[i][1]);
            return false;
        }
    for (size_t i = 0; i < sizeof(list_filters) / sizeof(list_filters[0]); i++)
        if (opt_bool(c, list_filters[i].option)) {
            if (tree) {
                err(sh, "--%s and --tree are mutually exclusive", list_filters[i].option);
                return false;
            }
            flags |= list_filters[i].flag;
        }
    if (opt_bool(c, "topological"))
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL;
    if (roots)
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_ROOTS;
    if (opt_bool(c, "metadata"))
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_METADATA;
    if (opt_bool(c, "no-metadata"))
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_NO_METADATA;
    if (opt_bool(c, "descendants")) {
        if (!from && !current) {
            err(sh, "%s", "--descendants requires either --from or --current");
            return false;
        }
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS;
    }
    if (from && current) {
        err(sh, "%s", "--from and --current are mutually exclusive");
        return false;
    }
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if ((from || current) && !(start = pick_snapshot(sh, c, "from", true, dom)))
        goto out;
    /* A tree from a snapshot shows all of it, as virsh draws it. */
    if (tree && start)
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS;
    count = start ? esxDomainSnapshotListAllChildren(start, &snaps, flags)
                  : esxDomainListAllSnapshots(dom, &snaps, flags);
    if (count < 0) {
        save_error(sh);
        goto out;
    }
    list = calloc((size_t)count + 1, sizeof(*list));
    if (!list)
        goto out;
    for (int i = 0; i < count; i++)
        list[n++].snap = snaps[i];
    free(snaps);
    snaps = NULL;
    if (tree) {
        for (size_t i = 0; i < n; i++) {
            esxDomainSnapshotPtr p = esxDomainSnapshotGetParent(list[i].snap, 0);
            if (p) {
                list[i].parent = strdup(esxDomainSnapshotGetName(p));
                esxDomainSnapshotFree(p);
            } else if (esxGetLastErrorCode() != ESX_ERR_NO_DOMAIN_SNAPSHOT) {
                save_error(sh);
                err(sh, "%s", "unable to determine if snapshot has parent");
                goto out;
            }
        }
        if (start) {
            /* The starting snapshot heads its own tree. */
            esxDomainSnapshotRef(start);
            list[n++].snap = start;
        }
    }
    if (!(flags & ESX_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL))
        qsort(list, n, sizeof(*list), by_name);
    if (tree) {
        char indent[4096] = "";
        for (size_t i = 0; i < n; i++)
            if (!list[i].parent)
                tree_print(sh, list, n, i, i, true, indent);
        ok = true;
        goto out;
    }
    {
        table *t = name ? NULL
                 : parent ? table_new(4, "Name", "Creation Time", "State", "Parent")
                          : table_new(3, "Name", "Creation Time", "State");
        for (size_t i = 0; i < n; i++) {
            const char *snap_name = esxDomainSnapshotGetName(list[i].snap);
            char *xml;
            xml_node *doc;
            const char *state, *created, *par;
            if (name) {
                out(sh, "%s\n", snap_name);
                continue;
            }
            if (!(xml = esxDomainSnapshotGetXMLDesc(list[i].snap, 0)))
                continue;
            doc = xml_parse(xml);
            free(xml);
            state = doc ? xml_get(doc, "domainsnapshot/state") : NULL;
            created = doc ? xml_get(doc, "domainsnapshot/creationTime") : NULL;
            par = doc ? xml_get(doc, "domainsnapshot/parent/name") : NULL;
            if (state && created) {
                time_t when = (time_t)strtoll(created, NULL, 10);
                struct tm tm;
                char stamp[64];
                localtime_r(&when, &tm);
                strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S %z", &tm);
                if (parent)
                    table_add(t, snap_name, stamp, state, par ? par : "");
                else
                    table_add(t, snap_name, stamp, state);
            }
            xml_free(doc);
        }
        if (t)
            table_print(sh, t);
    }
    ok = true;
out:
    for (size_t i = 0; i < n; i++) {
        esxDomainSnapshotFree(list[i].snap);
        free(list[i].parent);
    }
    free(list);
    if (start)
        esxDomainSnapshotFree(start);
    esxDomainFree(dom);
    return ok;
}

/* ---- one snapshot ---- */

static bool
cmd_snapshot_current(shell *sh, const cmd *c)
{
    const char *domname = opt_string(c, "domain");
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    esxDomainSnapshotPtr s = NULL;
    int has;
    bool ok = false;

    if (!dom)
        return false;
    if ((has = esxDomainHasCurrentSnapshot(dom, 0)) < 0) {
        save_error(sh);
    } else if (!has) {
        err(sh, "domain '%s' has no current snapshot", domname);
    } else if (!(s = esxDomainSnapshotCurrent(dom, 0))) {
        save_error(sh);
    } else if (opt_bool(c, "name")) {
        out(sh, "%s", esxDomainSnapshotGetName(s));
        ok = true;
    } else {
        char *xml = esxDomainSnapshotGetXMLDesc(s, opt_bool(c, "security-info") ? ESX_DOMAIN_SNAPSHOT_XML_SECURE : 0);
        if (xml) {
            out(sh, "%s", xml);
            free(xml);
            ok = true;
        } else {
            save_error(sh);
        }
    }
    if (s)
        esxDomainSnapshotFree(s);
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_snapshot_info(shell *sh, const cmd *c)
{
    esxDomainPtr dom;
    esxDomainSnapshotPtr s;
    char *xml;
    xml_node *doc;
    const char *state, *parent;
    int current, n;
    bool ok = false;

    if (!need_snapshot_arg(sh, c, "snapshotname") || !(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if (!(s = pick_snapshot(sh, c, "snapshotname", true, dom))) {
        esxDomainFree(dom);
        return false;
    }
    out(sh, "%-15s %s\n", "Name:", esxDomainSnapshotGetName(s));
    out(sh, "%-15s %s\n", "Domain:", esxDomainGetName(dom));
    current = esxDomainSnapshotIsCurrent(s, 0);
    out(sh, "%-15s %s\n", "Current:", current > 0 ? "yes" : "no");
    if (!(xml = esxDomainSnapshotGetXMLDesc(s, 0))) {
        save_error(sh);
        goto out;
    }
    doc = xml_parse(xml);
    free(xml);
    state = doc ? xml_get(doc, "domainsnapshot/state") : NULL;
    if (!state) {
        err(sh, "%s", "unexpected problem reading snapshot xml");
        xml_free(doc);
        goto out;
    }
    out(sh, "%-15s %s\n", "State:", state);
    if (xml_find(doc, "domainsnapshot/memory")) {
        const char *m = xml_get(doc, "domainsnapshot/memory/@snapshot");
        out(sh, "%-15s %s\n", "Location:", m && strcmp(m, "external") == 0 ? "external" : "internal");
    } else {
        out(sh, "%-15s %s\n", "Location:", strcmp(state, "disk-snapshot") == 0 ? "external" : "internal");
    }
    parent = xml_get(doc, "domainsnapshot/parent/name");
    out(sh, "%-15s %s\n", "Parent:", parent ? parent : "-");
    xml_free(doc);
    if ((n = esxDomainSnapshotNumChildren(s, 0)) < 0) {
        save_error(sh);
        goto out;
    }
    out(sh, "%-15s %d\n", "Children:", n);
    if ((n = esxDomainSnapshotNumChildren(s, ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)) < 0) {
        save_error(sh);
        goto out;
    }
    out(sh, "%-15s %d\n", "Descendants:", n);
    if ((n = esxDomainSnapshotHasMetadata(s, 0)) >= 0)
        out(sh, "%-15s %s\n", "Metadata:", n ? "yes" : "no");
    reset_error(sh);
    ok = true;
out:
    esxDomainSnapshotFree(s);
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_snapshot_parent(shell *sh, const cmd *c)
{
    esxDomainPtr dom;
    esxDomainSnapshotPtr s, p;
    bool ok = false;
    if (!need_snapshot_arg(sh, c, "snapshotname") || !(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if (!(s = pick_snapshot(sh, c, "snapshotname", true, dom))) {
        esxDomainFree(dom);
        return false;
    }
    if ((p = esxDomainSnapshotGetParent(s, 0))) {
        out(sh, "%s", esxDomainSnapshotGetName(p));
        esxDomainSnapshotFree(p);
        ok = true;
    } else if (esxGetLastErrorCode() == ESX_ERR_NO_DOMAIN_SNAPSHOT) {
        err(sh, "snapshot '%s' has no parent", esxDomainSnapshotGetName(s));
    } else {
        save_error(sh);
        report_error(sh);
        err(sh, "%s", "unable to determine if snapshot has parent");
    }
    esxDomainSnapshotFree(s);
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_snapshot_revert(shell *sh, const cmd *c)
{
    esxDomainPtr dom;
    esxDomainSnapshotPtr s;
    char *name, label[512];
    int rc;
    if (!need_snapshot_arg(sh, c, "snapshotname") || !(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if (!(s = pick_snapshot(sh, c, "snapshotname", true, dom))) {
        esxDomainFree(dom);
        return false;
    }
    name = strdup(esxDomainSnapshotGetName(s));
    snprintf(label, sizeof(label), "Reverting domain '%s' to %s", esxDomainGetName(dom), name);
    job_begin(sh, dom, label, opt_bool(c, "verbose"));
    rc = esxDomainRevertToSnapshot(s, 0);
    if (rc < 0)
        save_error(sh);
    job_end(sh, rc == 0);
    if (rc < 0)
        err(sh, "Failed to revert snapshot %s", name);
    else
        out_extra(sh, "Domain snapshot %s reverted\n", name);
    free(name);
    esxDomainSnapshotFree(s);
    esxDomainFree(dom);
    return rc == 0;
}

static bool
cmd_snapshot_delete(shell *sh, const cmd *c)
{
    unsigned int flags = 0;
    esxDomainPtr dom;
    esxDomainSnapshotPtr s;
    char *name, label[512];
    int rc;

    if (opt_bool(c, "children"))
        flags |= ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN;
    if (opt_bool(c, "children-only"))
        flags |= ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY;
    if (opt_bool(c, "metadata"))
        flags |= ESX_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY;
    if (!need_snapshot_arg(sh, c, "snapshotname") || !(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if (!(s = pick_snapshot(sh, c, "snapshotname", true, dom))) {
        esxDomainFree(dom);
        return false;
    }
    name = strdup(esxDomainSnapshotGetName(s));
    snprintf(label, sizeof(label), "Deleting snapshot %s of domain '%s'", name, esxDomainGetName(dom));
    job_begin(sh, dom, label, opt_bool(c, "verbose"));
    rc = esxDomainSnapshotDelete(s, flags);
    if (rc < 0)
        save_error(sh);
    job_end(sh, rc == 0);
    if (rc < 0)
        err(sh, "Failed to delete snapshot %s", name);
    else if (flags & ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
        out_extra(sh, "Domain snapshot %s children deleted\n", name);
    else
        out_extra(sh, "Domain snapshot %s deleted\n", name);
    free(name);
    esxDomainSnapshotFree(s);
    esxDomainFree(dom);
    return rc == 0;
}

static bool
cmd_snapshot_dumpxml(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    esxDomainSnapshotPtr s;
    char *xml = NULL;
    if (!dom)
        return false;
    if (!(s = esxDomainSnapshotLookupByName(dom, opt_string(c, "snapshotname"), 0))) {
        save_error(sh); /* before the free, which resets it */
        esxDomainFree(dom);
        return false;
    }
    if ((xml = esxDomainSnapshotGetXMLDesc(s, opt_bool(c, "security-info") ? ESX_DOMAIN_SNAPSHOT_XML_SECURE : 0)))
        out(sh, "%s", xml);
    else
        save_error(sh);
    esxDomainSnapshotFree(s);
    esxDomainFree(dom);
    free(xml);
    return xml != NULL;
}

typedef struct {
    esxDomainPtr dom;
    esxDomainSnapshotPtr snap;
} snap_ctx;

static char *
reread_snapshot(shell *sh, void *ctx)
{
    char *xml = esxDomainSnapshotGetXMLDesc(((snap_ctx *)ctx)->snap, ESX_DOMAIN_SNAPSHOT_XML_SECURE);
    if (!xml)
        save_error(sh);
    return xml;
}

static bool
redefine_snapshot(shell *sh, void *ctx, const char *xml)
{
    unsigned int flags = ESX_DOMAIN_SNAPSHOT_CREATE_REDEFINE;
    esxDomainSnapshotPtr made;
    if (strstr(xml, "<state>disk-snapshot</state>"))
        flags |= ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
    made = esxDomainSnapshotCreateXML(((snap_ctx *)ctx)->dom, xml, flags);
    if (!made)
        return save_error(sh);
    esxDomainSnapshotFree(made);
    return true;
}

static bool
cmd_snapshot_edit(shell *sh, const cmd *c)
{
    snap_ctx ctx = { NULL, NULL };
    char *doc = NULL, *name = NULL;
    int rc = -1;
    if (!need_snapshot_arg(sh, c, "snapshotname") || !(ctx.dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if ((ctx.snap = pick_snapshot(sh, c, "snapshotname", false, ctx.dom))) {
        name = strdup(esxDomainSnapshotGetName(ctx.snap));
        if ((doc = reread_snapshot(sh, &ctx)))
            rc = edit_document(sh, doc, reread_snapshot, redefine_snapshot, &ctx);
        if (rc == 0)
            out_extra(sh, "Snapshot %s XML configuration not changed.\n", name);
        else if (rc == 1)
            out_extra(sh, "Snapshot %s edited.\n", name);
        else {
            report_error(sh);
            err(sh, "Failed to update %s", name);
        }
        esxDomainSnapshotFree(ctx.snap);
    }
    free(doc);
    free(name);
    esxDomainFree(ctx.dom);
    return rc >= 0;
}

/* ---- the table ---- */

static const opt_def opts_create[] = {
    DOMAIN_OPT,
    { "xmlfile", OT_STRING, 0, "the snapshot's XML (default: a snapshot with a generated name)", C_FILE, NULL },
    { "disk-only", OT_BOOL, 0, "leave out the memory of a running domain", C_NONE, NULL },
    { "quiesce", OT_BOOL, 0, "quiesce the guest's file systems first (needs VMware Tools)", C_NONE, NULL },
    VERBOSE_OPT,
    { NULL }
};
static const opt_def opts_create_as[] = {
    DOMAIN_OPT,
    { "name", OT_STRING, 0, "the snapshot's name", C_NONE, NULL },
    { "description", OT_STRING, 0, "what the snapshot is about", C_NONE, NULL },
    { "print-xml", OT_BOOL, 0, "print the XML instead of creating the snapshot", C_NONE, NULL },
    { "disk-only", OT_BOOL, 0, "leave out the memory of a running domain", C_NONE, NULL },
    { "quiesce", OT_BOOL, 0, "quiesce the guest's file systems first (needs VMware Tools)", C_NONE, NULL },
    VERBOSE_OPT,
    { NULL }
};
static const opt_def opts_list[] = {
    DOMAIN_OPT,
    { "parent", OT_BOOL, 0, "add a column with each snapshot's parent", C_NONE, NULL },
    { "roots", OT_BOOL, 0, "only snapshots without a parent", C_NONE, NULL },
    { "leaves", OT_BOOL, 0, "only snapshots without children", C_NONE, NULL },
    { "no-leaves", OT_BOOL, 0, "only snapshots with children", C_NONE, NULL },
    { "metadata", OT_BOOL, 0, "only snapshots with libvirt metadata (none on ESX)", C_NONE, NULL },
    { "no-metadata", OT_BOOL, 0, "only snapshots without libvirt metadata (all on ESX)", C_NONE, NULL },
    { "inactive", OT_BOOL, 0, "only snapshots of a domain that was off", C_NONE, NULL },
    { "active", OT_BOOL, 0, "only snapshots of a running domain, with its memory", C_NONE, NULL },
    { "disk-only", OT_BOOL, 0, "only snapshots of a running domain without its memory", C_NONE, NULL },
    { "internal", OT_BOOL, 0, "only internal snapshots (all on ESX)", C_NONE, NULL },
    { "external", OT_BOOL, 0, "only external snapshots (none on ESX)", C_NONE, NULL },
    { "tree", OT_BOOL, 0, "draw the snapshots as a tree", C_NONE, NULL },
    { "from", OT_STRING, 0, "only the children of this snapshot", C_SNAPSHOT, NULL },
    CURRENT_OPT("only the children of the current snapshot"),
    { "descendants", OT_BOOL, 0, "with --from or --current: every descendant", C_NONE, NULL },
    { "name", OT_BOOL, 0, "only the names", C_NONE, NULL },
    { "topological", OT_BOOL, 0, "parents before their children instead of by name", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_current[] = {
    DOMAIN_OPT,
    { "name", OT_BOOL, 0, "print the name instead of the XML", C_NONE, NULL },
    { "security-info", OT_BOOL, 0, "include security sensitive information in the XML", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_info[] = {
    DOMAIN_OPT, SNAPNAME_OPT, CURRENT_OPT("the current snapshot"), { NULL }
};
static const opt_def opts_parent[] = {
    DOMAIN_OPT, SNAPNAME_OPT, CURRENT_OPT("the parent of the current snapshot"), { NULL }
};
static const opt_def opts_revert[] = {
    DOMAIN_OPT, SNAPNAME_OPT, CURRENT_OPT("revert to the current snapshot"), VERBOSE_OPT, { NULL }
};
static const opt_def opts_delete[] = {
    DOMAIN_OPT,
    SNAPNAME_OPT,
    CURRENT_OPT("delete the current snapshot"),
    { "children", OT_BOOL, 0, "delete its children too", C_NONE, NULL },
    { "children-only", OT_BOOL, 0, "delete its children, not the snapshot itself", C_NONE, NULL },
    { "metadata", OT_BOOL, 0, "delete only libvirt's metadata (ESX has none: nothing is deleted)", C_NONE, NULL },
    VERBOSE_OPT,
    { NULL }
};
static const opt_def opts_dumpxml[] = {
    DOMAIN_OPT,
    { "snapshotname", OT_DATA, OF_REQ, "the snapshot's name", C_SNAPSHOT, NULL },
    { "security-info", OT_BOOL, 0, "include security sensitive information in the XML", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_edit[] = {
    DOMAIN_OPT, SNAPNAME_OPT, CURRENT_OPT("edit the current snapshot"), { NULL }
};

const cmd_def snapshot_cmds[] = {
    { "snapshot-create", cmd_snapshot_create, opts_create, "create a snapshot from an XML file",
      "Takes a snapshot described by an XML file (name, description), with the memory of a running domain "
      "unless --disk-only.",
      0 },
    { "snapshot-create-as", cmd_snapshot_create_as, opts_create_as, "create a snapshot from a name and description",
      "Takes a snapshot with the name and description given, with the memory of a running domain unless "
      "--disk-only.",
      0 },
    { "snapshot-current", cmd_snapshot_current, opts_current, "print the current snapshot",
      "Prints the XML of the domain's current snapshot, or with --name its name.", 0 },
    { "snapshot-delete", cmd_snapshot_delete, opts_delete, "delete a snapshot",
      "Deletes the snapshot, with or without its children.", 0 },
    { "snapshot-dumpxml", cmd_snapshot_dumpxml, opts_dumpxml, "print a snapshot's XML",
      "Prints the snapshot's XML description.", 0 },
    { "snapshot-edit", cmd_snapshot_edit, opts_edit, "edit a snapshot's XML",
      "Opens the snapshot's XML in $VISUAL or $EDITOR. ESX cannot redefine a snapshot, so only an unchanged "
      "document succeeds, as with virsh.",
      0 },
    { "snapshot-info", cmd_snapshot_info, opts_info, "information about a snapshot",
      "Prints whether the snapshot is current, the state it saved, its parent and how many children and "
      "descendants it has.",
      0 },
    { "snapshot-list", cmd_snapshot_list, opts_list, "list a domain's snapshots",
      "Lists the domain's snapshots by name, with when they were taken and the state they saved, or draws "
      "them as a tree.",
      0 },
    { "snapshot-parent", cmd_snapshot_parent, opts_parent, "print a snapshot's parent",
      "Prints the name of the snapshot's parent.", 0 },
    { "snapshot-revert", cmd_snapshot_revert, opts_revert, "revert a domain to a snapshot",
      "Brings the domain back to the snapshot's state.", 0 },
    { NULL }
};
