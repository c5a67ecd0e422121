/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command table at work: parsing a command line against the declared
 * options (virsh's rules and wording: options by --name or --name=value,
 * the others filled by position in their declared order, "--" ends the
 * options), option values, help, the manual page and completion. Nothing
 * here talks to the host except completion of names.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esxsh.h"

/* ---- lookups ---- */

const cmd_def *
cmd_lookup(const char *name)
{
    for (const cmd_group *g = cmd_groups; g->name; g++)
        for (const cmd_def *d = g->cmds; d->name; d++)
            if (strcmp(d->name, name) == 0)
                return d;
    return NULL;
}

const cmd_group *
group_lookup(const char *name)
{
    for (const cmd_group *g = cmd_groups; g->name; g++)
        if (strcmp(g->keyword, name) == 0 || strcasecmp(g->name, name) == 0)
            return g;
    return NULL;
}

static size_t
nopts(const cmd_def *d)
{
    size_t n = 0;
    while (d->opts && d->opts[n].name)
        n++;
    return n;
}

/* ---- tokens ---- */

/* A token list: strings, with NULL entries where a command ends. */
typedef struct {
    char **v;
    size_t n;
} tokens;

static void
tok_push(tokens *t, char *s)
{
    char **more = realloc(t->v, (t->n + 1) * sizeof(*more));
    if (!more) {
        free(s);
        return;
    }
    t->v = more;
    t->v[t->n++] = s;
}

static void
tok_free(tokens *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
}

/* Splits a line as virsh does: blanks separate, '…' and "…" quote, \
 * escapes outside single quotes, ';' and newlines end a command, '#' at
 * the start of a word comments to the end of the line. -1 for an
 * unterminated quote. */
static int
tokenize(shell *sh, const char *p, tokens *t)
{
    while (*p) {
        char *word, *w;
        bool sq = false, dq = false;

        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (*p == ';' || *p == '\n') {
            tok_push(t, NULL);
            p++;
            continue;
        }
        if (*p == '#') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        w = word = malloc(strlen(p) + 1);
        if (!word)
            return -1;
        while (*p) {
            if (!sq && !dq && (*p == ' ' || *p == '\t' || *p == ';' || *p == '\n'))
                break;
            if (!dq && *p == '\'') {
                sq = !sq;
                p++;
            } else if (!sq && *p == '"') {
                dq = !dq;
                p++;
            } else if (!sq && *p == '\\' && p[1]) {
                *w++ = p[1];
                p += 2;
            } else {
                *w++ = *p++;
            }
        }
        *w = '\0';
        if (sq || dq) {
            err(sh, "%s", "dangling quote");
            free(word);
            return -1;
        }
        tok_push(t, word);
    }
    return 0;
}

/* ---- parsing ---- */

static void
val_push(cmd *c, const opt_def *def, const char *data)
{
    opt_val *more = realloc(c->opts, (c->nopts + 1) * sizeof(*more));
    if (!more)
        return;
    c->opts = more;
    c->opts[c->nopts].def = def;
    c->opts[c->nopts].data = data ? strdup(data) : NULL;
    c->nopts++;
}

void
cmd_free(cmd *c)
{
    while (c) {
        cmd *next = c->next;
        for (size_t i = 0; i < c->nopts; i++)
            free(c->opts[i].data);
        free(c->opts);
        free(c);
        c = next;
    }
}

static bool
is_integer(const char *s, long long min, long long max)
{
    char *end;
    long long v;
    if (!*s)
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    return !errno && !*end && v >= min && v <= max;
}

/* Values are checked as the line is read, so that a mistyped number never
 * reaches the host. */
static bool
check_value(shell *sh, const cmd_def *d, const opt_def *o, const char *v)
{
    unsigned long long size;
    if (!*v && !(o->flags & OF_EMPTY_OK) && o->type != OT_ARGV) {
        err(sh, "Failed to get option '%s': Option argument is empty", o->name);
        return false;
    }
    (void)d;
    if (o->type == OT_INT && !is_integer(v, LLONG_MIN, LLONG_MAX)) {
        err(sh, "Numeric value '%s' for <%s> option is malformed or out of range", v, o->name);
        return false;
    }
    if (o->type == OT_SIZE && parse_scaled(v[0] == '-' ? v + 1 : v, 1, ~0ULL, &size) < 0) {
        err(sh, "Scaled numeric value '%s' for <%s> option is malformed or out of range", v,
            o->name);
        return false;
    }
    return true;
}

/* Whether option i takes positional data (virsh: not boolean and not
 * named-only). */
static bool
positional(const opt_def *o)
{
    return o->type != OT_BOOL && !(o->flags & OF_NAMED);
}

/* Parses the tokens of one command (toks[0] its name). */
static cmd *
parse_one(shell *sh, char **toks, size_t n)
{
    const cmd_def *d = cmd_lookup(toks[0]);
    uint64_t need = 0, required = 0, seen = 0;
    bool data_only = false, help = false;
    size_t count;
    cmd *c;

    if (!d) {
        err(sh, "unknown command: '%s'", toks[0]);
        return NULL;
    }
    count = nopts(d);
    for (size_t i = 0; i < count; i++) {
        if (positional(&d->opts[i]))
            need |= 1ULL << i;
        if (d->opts[i].flags & OF_REQ)
            required |= 1ULL << i;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    c->def = d;
    for (size_t t = 1; t < n; t++) {
        const char *tok = toks[t];
        if (!data_only && tok[0] == '-' && tok[1] == '-' && isalnum((unsigned char)tok[2])) {
            const char *eq = strchr(tok + 2, '=');
            size_t len = eq ? (size_t)(eq - tok - 2) : strlen(tok + 2);
            const opt_def *o = NULL;
            size_t idx = 0;
            for (size_t i = 0; i < count; i++)
                if (strlen(d->opts[i].name) == len && strncmp(d->opts[i].name, tok + 2, len) == 0) {
                    o = &d->opts[i];
                    idx = i;
                }
            if (!o && len == 4 && strncmp(tok + 2, "help", 4) == 0) {
                help = true;
                continue;
            }
            if (!o) {
                if (strcmp(d->name, "help") == 0)
                    continue;
                err(sh, "command '%s' doesn't support option --%.*s", d->name, (int)len, tok + 2);
                goto fail;
            }
            if ((seen & (1ULL << idx)) && o->type != OT_ARGV) {
                err(sh, "option --%s already seen", o->name);
                goto fail;
            }
            seen |= 1ULL << idx;
            if (o->type == OT_BOOL) {
                if (eq) {
                    err(sh, "invalid '=' after option --%s", o->name);
                    goto fail;
                }
                val_push(c, o, NULL);
                continue;
            }
            if (!eq && t + 1 >= n) {
                err(sh, "expected syntax: --%s <%s>", o->name,
                    o->type == OT_INT || o->type == OT_SIZE ? "number" : "string");
                goto fail;
            }
            {
                const char *v = eq ? eq + 1 : toks[++t];
                if (!check_value(sh, d, o, v))
                    goto fail;
                val_push(c, o, v);
            }
            if (o->type != OT_ARGV)
                need &= ~(1ULL << idx);
            continue;
        }
        if (!data_only && strcmp(tok, "--") == 0) {
            data_only = true;
            continue;
        }
        if (!need) {
            if (strcmp(d->name, "help") == 0)
                continue;
            err(sh, "unexpected data '%s'", tok);
            goto fail;
        }
        {
            size_t i = (size_t)__builtin_ctzll(need);
            const opt_def *o = &d->opts[i];
            if (o->type != OT_ARGV)
                need &= ~(1ULL << i);
            seen |= 1ULL << i;
            if (!check_value(sh, d, o, tok))
                goto fail;
            val_push(c, o, tok);
        }
    }
    if (help) {
        /* CMD --help is help CMD, whatever else was typed. */
        cmd *h = calloc(1, sizeof(*h));
        cmd_free(c);
        if (!h)
            return NULL;
        h->def = cmd_lookup("help");
        val_push(h, &h->def->opts[0], d->name);
        return h;
    }
    required &= ~seen;
    if (required) {
        for (size_t i = 0; i < count; i++)
            if (required & (1ULL << i))
                err(sh,
                    d->opts[i].type == OT_DATA || d->opts[i].type == OT_ARGV
                        ? "command '%s' requires <%s> option"
                        : "command '%s' requires --%s option",
                    d->name, d->opts[i].name);
        goto fail;
    }
    return c;
fail:
    cmd_free(c);
    return NULL;
}

static cmd *
parse_tokens(shell *sh, tokens *t)
{
    cmd *first = NULL, **tail = &first;
    size_t start = 0;
    for (size_t i = 0; i <= t->n; i++) {
        if (i < t->n && t->v[i])
            continue;
        if (i > start) {
            cmd *c = parse_one(sh, t->v + start, i - start);
            if (!c) {
                cmd_free(first);
                return NULL;
            }
            *tail = c;
            tail = &c->next;
        }
        start = i + 1;
    }
    return first;
}

cmd *
cmd_parse_argv(shell *sh, int argc, char **argv)
{
    tokens t = { NULL, 0 };
    cmd *c;
    for (int i = 0; i < argc; i++)
        tok_push(&t, strdup(argv[i]));
    c = parse_tokens(sh, &t);
    tok_free(&t);
    return c;
}

cmd *
cmd_parse_string(shell *sh, const char *line)
{
    tokens t = { NULL, 0 };
    cmd *c = NULL;
    if (tokenize(sh, line, &t) == 0)
        c = parse_tokens(sh, &t);
    tok_free(&t);
    return c;
}

/* ---- option values ---- */

static const opt_val *
find(const cmd *c, const char *name)
{
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].def->name, name) == 0)
            return &c->opts[i];
    return NULL;
}

bool
opt_bool(const cmd *c, const char *name)
{
    return find(c, name) != NULL;
}

const char *
opt_string(const cmd *c, const char *name)
{
    const opt_val *v = find(c, name);
    return v ? v->data : NULL;
}

int
opt_int(shell *sh, const cmd *c, const char *name, int *out)
{
    const char *v = opt_string(c, name);
    if (!v)
        return 0;
    if (!is_integer(v, INT_MIN, INT_MAX)) {
        err(sh, "Numeric value '%s' for <%s> option is malformed or out of range", v, name);
        return -1;
    }
    *out = (int)strtol(v, NULL, 10);
    return 1;
}

int
opt_ulonglong(shell *sh, const cmd *c, const char *name, unsigned long long *out)
{
    const char *v = opt_string(c, name);
    char *end;
    if (!v)
        return 0;
    errno = 0;
    *out = strtoull(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || errno || *end) {
        err(sh, "Numeric value '%s' for <%s> option is malformed or out of range", v, name);
        return -1;
    }
    return 1;
}

int
opt_scaled(shell *sh, const cmd *c, const char *name, unsigned long long scale,
           unsigned long long *out)
{
    const char *v = opt_string(c, name);
    if (!v)
        return 0;
    if (parse_scaled(v, scale, ~0ULL, out) < 0) {
        err(sh, "Scaled numeric value '%s' for <%s> option is malformed or out of range", v,
            name);
        return -1;
    }
    return 1;
}

const char *
opt_argv(const cmd *c, const char *name, size_t *iter)
{
    for (; *iter < c->nopts; (*iter)++)
        if (strcmp(c->opts[*iter].def->name, name) == 0)
            return c->opts[(*iter)++].data;
    return NULL;
}

/* ---- help ---- */

/* The synopsis of a command, as virsh writes it. */
static void
synopsis(FILE *f, const cmd_def *d, bool roff)
{
    bool shortopt = false;
    if (roff) {
        fputs("\\fB", f);
        for (const char *p = d->name; *p; p++)
            fputs(*p == '-' ? "\\-" : (char[]){ *p, 0 }, f);
        fputs("\\fR", f);
    } else {
        fputs(d->name, f);
    }
    for (const opt_def *o = d->opts; o && o->name; o++) {
        const char *fmt = "%s";
        bool req = o->flags & OF_REQ;
        switch (o->type) {
        case OT_BOOL: fmt = "[--%s]"; break;
        case OT_INT:
        case OT_SIZE:
            fmt = req ? "<%s>" : "[--%s <number>]";
            if (!(o->flags & OF_NAMED))
                shortopt = true;
            break;
        case OT_STRING:
            fmt = req ? "<%s>" : "[--%s <string>]";
            if (!(o->flags & OF_NAMED))
                shortopt = true;
            break;
        case OT_DATA:
            fmt = req ? "<%s>" : "[<%s>]";
            shortopt = true;
            break;
        case OT_ARGV:
            if (shortopt)
                fmt = req ? "{[--%s] <string>}..." : "[[--%s] <string>]...";
            else
                fmt = req ? "<%s>..." : "[<%s>]...";
            break;
        }
        fputc(' ', f);
        if (roff) {
            /* The same text, with option names bold and values italic. */
            char buf[256];
            snprintf(buf, sizeof(buf), fmt, o->name);
            for (const char *p = buf; *p; p++) {
                if (*p == '-')
                    fputs("\\-", f);
                else if (*p == '<') {
                    fputs("\\fI", f);
                } else if (*p == '>') {
                    fputs("\\fR", f);
                } else
                    fputc(*p, f);
            }
        } else {
            fprintf(f, fmt, o->name);
        }
    }
}

/* The option column of help: "--name <string>" and the like. */
static void
option_label(char *buf, size_t size, const cmd_def *d, const opt_def *o)
{
    bool shortopt = false;
    for (const opt_def *p = d->opts; p && p != o; p++)
        if (p->type != OT_BOOL && p->type != OT_ARGV && !(p->flags & OF_NAMED))
            shortopt = true;
    switch (o->type) {
    case OT_BOOL: snprintf(buf, size, "--%s", o->name); break;
    case OT_INT:
    case OT_SIZE:
        snprintf(buf, size, (o->flags & OF_REQ) ? "[--%s] <number>" : "--%s <number>", o->name);
        break;
    case OT_STRING:
        snprintf(buf, size, (o->flags & OF_REQ) ? "[--%s] <string>" : "--%s <string>", o->name);
        break;
    case OT_DATA: snprintf(buf, size, "[--%s] <string>", o->name); break;
    case OT_ARGV: snprintf(buf, size, shortopt ? "[--%s] <string>" : "<%s>", o->name); break;
    }
}

static void
command_help(const cmd_def *d)
{
    printf("  NAME\n    %s - %s\n", d->name, d->help);
    printf("\n  SYNOPSIS\n    ");
    synopsis(stdout, d, false);
    printf("\n");
    if (d->desc && *d->desc)
        printf("\n  DESCRIPTION\n    %s\n", d->desc);
    if (d->opts && d->opts->name) {
        printf("\n  OPTIONS\n");
        for (const opt_def *o = d->opts; o->name; o++) {
            char buf[256];
            option_label(buf, sizeof(buf), d, o);
            printf("    %-15s  %s\n", buf, o->help);
        }
    }
    printf("\n");
}

static void
group_help(const cmd_group *g)
{
    printf(" %s (help keyword '%s'):\n", g->name, g->keyword);
    for (const cmd_def *d = g->cmds; d->name; d++)
        if (!(d->flags & CMD_HIDDEN))
            printf("    %-30s %s\n", d->name, d->help);
}

bool
print_help(shell *sh, const char *name)
{
    const cmd_def *d;
    const cmd_group *g;
    if (!name) {
        printf("Grouped commands:\n\n");
        for (g = cmd_groups; g->name; g++) {
            group_help(g);
            printf("\n");
        }
        return true;
    }
    if ((d = cmd_lookup(name))) {
        command_help(d);
        return true;
    }
    if ((g = group_lookup(name))) {
        group_help(g);
        return true;
    }
    err(sh, "command or command group '%s' doesn't exist", name);
    return false;
}

/* The global options: one declaration for --help and the manual page. */
static const struct {
    const char *flags; /* as --help shows them */
    const char *roff;  /* as the manual page shows them */
    const char *help;
} global_options[] = {
    { "-c | --connect=URI", "\\fB\\-c\\fR, \\fB\\-\\-connect\\fR=\\fIURI\\fR",
      "connect to URI (else $ESXSH_DEFAULT_CONNECT_URI, else $LIBVIRT_DEFAULT_URI)" },
    { "-d | --debug=NUM", "\\fB\\-d\\fR, \\fB\\-\\-debug\\fR=\\fINUM\\fR",
      "print the library's log messages from level NUM on (0 debug .. 4 error)" },
    { "-h | --help", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "print the options and the commands" },
    { "-k | --keepalive-interval=NUM", "\\fB\\-k\\fR, \\fB\\-\\-keepalive\\-interval\\fR=\\fINUM\\fR",
      "keepalive interval in seconds, 0 to disable (the library has no keepalive: only 0 is accepted)" },
    { "-K | --keepalive-count=NUM", "\\fB\\-K\\fR, \\fB\\-\\-keepalive\\-count\\fR=\\fINUM\\fR",
      "missed keepalive messages allowed (as -k)" },
    { "-q | --quiet", "\\fB\\-q\\fR, \\fB\\-\\-quiet\\fR",
      "quiet mode: no confirmations, table headers or blank line after each command" },
    { "-r | --readonly", "\\fB\\-r\\fR, \\fB\\-\\-readonly\\fR", "open the connection read-only: every change is refused" },
    { "-t | --timing", "\\fB\\-t\\fR, \\fB\\-\\-timing\\fR", "print the time each command took" },
    { "-v", "\\fB\\-v\\fR", "print the version" },
    { "-V", "\\fB\\-V\\fR", "print the version and what esxsh supports" },
    { "--version[=TYPE]", "\\fB\\-\\-version\\fR[=\\fITYPE\\fR]", "as -v (short, the default) or -V (long)" },
    { "--password-file=FILE", "\\fB\\-\\-password\\-file\\fR=\\fIFILE\\fR",
      "read the password from the first line of FILE (/dev/stdin for a pipe)" },
    { "--answer=ask", "\\fB\\-\\-answer\\fR=\\fBask\\fR",
      "ask on the terminal how to answer a question a VM raises during a task" },
    { "--man", "\\fB\\-\\-man\\fR", "print this manual page (roff) and exit" },
};

void
print_usage(void)
{
    printf("\nesxsh [options]... [<command_string>]\nesxsh [options]... <command> [args...]\n\n"
           "  options:\n");
    for (size_t i = 0; i < sizeof(global_options) / sizeof(global_options[0]); i++) {
        if (strlen(global_options[i].flags) > 24)
            printf("    %s\n    %-24s  %s\n", global_options[i].flags, "", global_options[i].help);
        else
            printf("    %-24s  %s\n", global_options[i].flags, global_options[i].help);
    }
    printf("  commands (non interactive mode):\n\n");
    for (const cmd_group *g = cmd_groups; g->name; g++) {
        printf(" %s (help keyword '%s')\n", g->name, g->keyword);
        for (const cmd_def *d = g->cmds; d->name; d++)
            if (!(d->flags & CMD_HIDDEN))
                printf("    %-30s %s\n", d->name, d->help);
        printf("\n");
    }
    printf("\n  (specify help <group> for details about the commands in the group)\n"
           "\n  (specify help <command> for details about the command)\n\n");
}

/* ---- the manual page ---- */

/* Text for roff: backslashes and hyphens escaped, a leading dot or quote
 * protected. */
static void
roff_text(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

static void
roff_paragraph(FILE *f, const char *s)
{
    roff_text(f, s);
    fputc('\n', f);
}

void
print_manual(void)
{
    FILE *f = stdout;
    fprintf(f, ".\\\" Generated by esxsh --man from its command table; do not edit (make man).\n");
    fprintf(f, ".\\\" SPDX-License-Identifier: LGPL-2.1-or-later\n");
    fprintf(f, ".TH ESXSH 1 \"\" \"esx-driver %d.%d.%d\" \"User Commands\"\n", ESX_DRIVER_VERSION_MAJOR,
            ESX_DRIVER_VERSION_MINOR, ESX_DRIVER_VERSION_MICRO);
    fprintf(f, ".SH NAME\nesxsh \\- a virsh for VMware ESX and vCenter, on esx\\-driver\n");
    fprintf(f, ".SH SYNOPSIS\n.B esxsh\n[\\fIOPTION\\fR]... [\\fICOMMAND_STRING\\fR]\n.br\n"
               ".B esxsh\n[\\fIOPTION\\fR]... \\fICOMMAND\\fR [\\fIARG\\fR]...\n");
    fprintf(f, ".SH DESCRIPTION\n");
    roff_paragraph(f, "esxsh manages the virtual machines (domains), snapshots, datastores "
                      "(storage pools) and virtual disks (volumes) of an ESX host or vCenter "
                      "through the esx-driver library, with virsh's commands, options and "
                      "output. It is a C program written against the installed esx_driver.h "
                      "alone.");
    fprintf(f, ".PP\n");
    roff_paragraph(f, "With a command, esxsh runs it and exits: 0 when it succeeded, 1 when it "
                      "failed or its options were wrong (a wrong option is refused before "
                      "anything is sent to the host). A single argument is read as a command "
                      "string, in which ';' separates commands. Without a command, esxsh reads "
                      "commands from its input: an interactive shell with line editing, "
                      "history and completion (Tab) on a terminal.");
    fprintf(f, ".PP\n");
    roff_paragraph(f, "The password is asked on the terminal once the host has answered, unless "
                      "an auth.conf (LIBVIRT_AUTH_FILE) or --password-file gives it; without a "
                      "terminal and without either, esxsh says that no password was available.");
    fprintf(f, ".PP\n");
    roff_paragraph(f, "On a terminal, long operations show their progress on standard error: "
                      "the percentage the host reports for a task, the bytes moved and the rate "
                      "for vol-download and vol-upload. Ctrl-C cancels what can be cancelled "
                      "(the domain's task, a transfer), then logs out; a second Ctrl-C leaves "
                      "at once.");
    fprintf(f, ".SH OPTIONS\n");
    for (size_t i = 0; i < sizeof(global_options) / sizeof(global_options[0]); i++) {
        fprintf(f, ".TP\n%s\n", global_options[i].roff);
        roff_paragraph(f, global_options[i].help);
    }
    fprintf(f, ".SH COMMANDS\n");
    for (const cmd_group *g = cmd_groups; g->name; g++) {
        fprintf(f, ".SS \"%s\"\n", g->name);
        for (const cmd_def *d = g->cmds; d->name; d++) {
            if (d->flags & CMD_HIDDEN)
                continue;
            fprintf(f, ".TP\n");
            synopsis(f, d, true);
            fprintf(f, "\n");
            roff_text(f, d->help);
            if (d->desc && *d->desc) {
                fprintf(f, ".\n");
                roff_text(f, d->desc);
            } else {
                fprintf(f, ".");
            }
            fprintf(f, "\n");
            if (d->opts && d->opts->name) {
                fprintf(f, ".RS\n");
                for (const opt_def *o = d->opts; o->name; o++) {
                    char buf[256];
                    option_label(buf, sizeof(buf), d, o);
                    fprintf(f, ".TP\n");
                    for (const char *p = buf; *p; p++) {
                        if (*p == '-')
                            fputs("\\-", f);
                        else if (*p == '<')
                            fputs("\\fI", f);
                        else if (*p == '>')
                            fputs("\\fR", f);
                        else
                            fputc(*p, f);
                    }
                    fprintf(f, "\n");
                    roff_paragraph(f, o->help);
                }
                fprintf(f, ".RE\n");
            }
        }
    }
    fprintf(f, ".SH ENVIRONMENT\n");
    fprintf(f, ".TP\n.B ESXSH_DEFAULT_CONNECT_URI\n");
    roff_paragraph(f, "The URI when -c is not given.");
    fprintf(f, ".TP\n.B LIBVIRT_DEFAULT_URI\n");
    roff_paragraph(f, "The URI when neither -c nor ESXSH_DEFAULT_CONNECT_URI is given.");
    fprintf(f, ".TP\n.B LIBVIRT_AUTH_FILE\n");
    roff_paragraph(f, "libvirt's auth.conf with the user name and password (else "
                      "$XDG_CONFIG_HOME/libvirt/auth.conf, then /etc/libvirt/auth.conf).");
    fprintf(f, ".TP\n.BR VISUAL \", \" EDITOR\n");
    roff_paragraph(f, "The editor of edit and snapshot-edit (else sensible-editor).");
    fprintf(f, ".TP\n.B ESXSH_HISTSIZE\n");
    roff_paragraph(f, "Lines of history kept (500).");
    fprintf(f, ".TP\n.B XDG_CACHE_HOME\n");
    roff_paragraph(f, "The interactive history is $XDG_CACHE_HOME/esxsh/history "
                      "(~/.cache/esxsh/history).");
    fprintf(f, ".SH EXIT STATUS\n");
    roff_paragraph(f, "0 when every command succeeded, 1 otherwise; 130 when a second Ctrl-C "
                      "left at once.");
    fprintf(f, ".SH SEE ALSO\n.BR esx\\-driver (7),\n.BR virsh (1)\n");
}

/* ---- completion ---- */

typedef struct {
    char **v;
    size_t n;
} strlist;

static void
sl_add(strlist *l, const char *s)
{
    char **more;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return;
    more = realloc(l->v, (l->n + 2) * sizeof(*more));
    if (!more)
        return;
    l->v = more;
    l->v[l->n++] = strdup(s);
    l->v[l->n] = NULL;
}

/* Names from the host, for a completer; nothing when it cannot connect. */
static void
host_names(shell *sh, completer kind, const char *pool, const char *domain, strlist *l)
{
    esxConnectPtr conn = need_conn(sh);
    reset_error(sh);
    if (!conn)
        return;
    if (kind == C_DOMAIN) {
        esxDomainPtr *doms = NULL;
        int n = esxConnectListAllDomains(conn, &doms, 0);
        for (int i = 0; i < n; i++) {
            sl_add(l, esxDomainGetName(doms[i]));
            esxDomainFree(doms[i]);
        }
        free(doms);
    } else if (kind == C_POOL || (kind == C_VOLUME && pool)) {
        esxStoragePoolPtr *pools = NULL;
        int n = esxConnectListAllStoragePools(conn, &pools, 0);
        for (int i = 0; i < n; i++) {
            const char *name = esxStoragePoolGetName(pools[i]);
            if (kind == C_POOL) {
                sl_add(l, name);
            } else if (strcmp(name, pool) == 0) {
                esxStorageVolPtr *vols = NULL;
                int m = esxStoragePoolListAllVolumes(pools[i], &vols, 0);
                for (int j = 0; j < m; j++) {
                    sl_add(l, esxStorageVolGetName(vols[j]));
                    esxStorageVolFree(vols[j]);
                }
                free(vols);
            }
            esxStoragePoolFree(pools[i]);
        }
        free(pools);
    } else if (kind == C_SNAPSHOT && domain) {
        esxDomainPtr dom = esxDomainLookupByName(conn, domain);
        esxDomainSnapshotPtr *snaps = NULL;
        int n = dom ? esxDomainListAllSnapshots(dom, &snaps, 0) : -1;
        for (int i = 0; i < n; i++) {
            sl_add(l, esxDomainSnapshotGetName(snaps[i]));
            esxDomainSnapshotFree(snaps[i]);
        }
        free(snaps);
        if (dom)
            esxDomainFree(dom);
    }
    reset_error(sh);
}

static void
values_of(shell *sh, const opt_def *o, const char *pool, const char *domain, strlist *l)
{
    switch (o->complete) {
    case C_WORDS: {
        const char *w = o->words;
        while (w && *w) {
            const char *bar = strchr(w, '|');
            size_t len = bar ? (size_t)(bar - w) : strlen(w);
            char buf[128];
            snprintf(buf, sizeof(buf), "%.*s", (int)len, w);
            sl_add(l, buf);
            w = bar ? bar + 1 : NULL;
        }
        break;
    }
    case C_COMMAND:
        for (const cmd_group *g = cmd_groups; g->name; g++) {
            sl_add(l, g->keyword);
            for (const cmd_def *d = g->cmds; d->name; d++)
                if (!(d->flags & CMD_HIDDEN))
                    sl_add(l, d->name);
        }
        break;
    case C_DOMAIN:
    case C_POOL:
    case C_VOLUME:
    case C_SNAPSHOT: host_names(sh, o->complete, pool, domain, l); break;
    default: break;
    }
}

/* The candidates for the last word of a command's words. */
static void
candidates(shell *sh, int nwords, char **words, strlist *l)
{
    const cmd_def *d;
    uint64_t need = 0, seen = 0;
    const opt_def *want = NULL; /* the option whose value is being typed */
    const char *pool = NULL, *domain = NULL, *cur;
    size_t count;

    if (nwords <= 1) {
        for (const cmd_group *g = cmd_groups; g->name; g++)
            for (d = g->cmds; d->name; d++)
                if (!(d->flags & CMD_HIDDEN))
                    sl_add(l, d->name);
        return;
    }
    if (!(d = cmd_lookup(words[0])))
        return;
    count = nopts(d);
    for (size_t i = 0; i < count; i++)
        if (positional(&d->opts[i]))
            need |= 1ULL << i;
    cur = words[nwords - 1];
    for (int w = 1; w < nwords - 1; w++) {
        const char *tok = words[w];
        if (tok[0] == '-' && tok[1] == '-' && tok[2]) {
            const char *eq = strchr(tok + 2, '=');
            size_t len = eq ? (size_t)(eq - tok - 2) : strlen(tok + 2);
            for (size_t i = 0; i < count; i++) {
                const opt_def *o = &d->opts[i];
                if (strlen(o->name) != len || strncmp(o->name, tok + 2, len) != 0)
                    continue;
                seen |= 1ULL << i;
                if (o->type == OT_BOOL)
                    break;
                if (o->type != OT_ARGV)
                    need &= ~(1ULL << i);
                if (!eq && w + 1 < nwords - 1) {
                    w++;
                    if (o->complete == C_POOL)
                        pool = words[w];
                    if (o->complete == C_DOMAIN)
                        domain = words[w];
                } else if (!eq) {
                    want = o;
                } else {
                    if (o->complete == C_POOL)
                        pool = eq + 1;
                    if (o->complete == C_DOMAIN)
                        domain = eq + 1;
                }
                break;
            }
            continue;
        }
        if (need) {
            size_t i = (size_t)__builtin_ctzll(need);
            if (d->opts[i].type != OT_ARGV)
                need &= ~(1ULL << i);
            seen |= 1ULL << i;
            if (d->opts[i].complete == C_POOL)
                pool = tok;
            if (d->opts[i].complete == C_DOMAIN)
                domain = tok;
        }
    }
    if (want) {
        values_of(sh, want, pool, domain, l);
        return;
    }
    if (cur[0] == '-' || !need) {
        for (size_t i = 0; i < count; i++)
            if (!(seen & (1ULL << i)) || d->opts[i].type == OT_ARGV) {
                char buf[128];
                snprintf(buf, sizeof(buf), "--%s", d->opts[i].name);
                sl_add(l, buf);
            }
        return;
    }
    values_of(sh, &d->opts[__builtin_ctzll(need)], pool, domain, l);
}

void
complete_words(shell *sh, int nwords, char **words)
{
    strlist l = { NULL, 0 };
    const char *cur = nwords > 0 ? words[nwords - 1] : "";
    candidates(sh, nwords, words, &l);
    for (size_t i = 0; i < l.n; i++) {
        if (strncmp(l.v[i], cur, strlen(cur)) == 0)
            printf("%s\n", l.v[i]);
        free(l.v[i]);
    }
    free(l.v);
}

char **
complete_line(shell *sh, const char *line, size_t point)
{
    char *upto = strndup(line, point);
    tokens t = { NULL, 0 };
    strlist l = { NULL, 0 }, matches = { NULL, 0 };
    size_t start = 0;
    const char *cur;
    if (!upto)
        return NULL;
    if (tokenize(sh, upto, &t) < 0) {
        tok_free(&t);
        free(upto);
        return NULL;
    }
    /* The current command: after the last ';'. */
    for (size_t i = 0; i < t.n; i++)
        if (!t.v[i])
            start = i + 1;
    if (point == 0 || upto[point - 1] == ' ' || upto[point - 1] == '\t' || upto[point - 1] == ';')
        tok_push(&t, strdup(""));
    cur = t.n > start ? t.v[t.n - 1] : "";
    candidates(sh, (int)(t.n - start), t.v + start, &l);
    for (size_t i = 0; i < l.n; i++) {
        if (strncmp(l.v[i], cur, strlen(cur)) == 0)
            sl_add(&matches, l.v[i]);
        free(l.v[i]);
    }
    free(l.v);
    tok_free(&t);
    free(upto);
    return matches.v;
}
