/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esxsh's parts. Every command is declared once, in a table of cmd_def
 * (name, one-line help, description, options with their types and whether
 * they are required); the parser, `help`, `CMD --help`, the completion
 * and the manual page all read that table.
 *
 *   esxsh.c          main, global options, the connection, the shell loop
 *   esxsh_cmd.c      the parser, help, manual page and completion
 *   esxsh_line.c     the interactive line editor and its history
 *   esxsh_util.c     errors, tables, sizes, files, a small XML reader,
 *                    progress and Ctrl-C
 *   esxsh_domain.c   domain commands          esxsh_host.c     host commands
 *   esxsh_snapshot.c snapshot commands        esxsh_storage.c  pools, volumes
 *   esxsh_network.c  networks, interfaces
 */
#ifndef ESXSH_H
#define ESXSH_H

#include <stdbool.h>
#include <stddef.h>
#include <esx_driver.h>

/* ---- the command table ---- */

typedef enum {
    OT_BOOL,   /* --name */
    OT_STRING, /* --name VALUE, or positional unless OF_NAMED */
    OT_DATA,   /* positional VALUE (or --name VALUE) */
    OT_INT,    /* an integer, checked when the line is parsed */
    OT_SIZE,   /* a size: an integer with an optional unit (k, MiB, GB...) */
    OT_ARGV,   /* every remaining positional value */
} opt_type;

enum {
    OF_REQ = 1,       /* required */
    OF_NAMED = 2,     /* only as --name VALUE, never positional */
    OF_EMPTY_OK = 4,  /* an empty value is accepted */
};

typedef enum {
    C_NONE,
    C_DOMAIN,   /* domain names */
    C_POOL,     /* pool names */
    C_VOLUME,   /* volume names (of --pool, else paths of every pool) */
    C_SNAPSHOT, /* snapshot names of the command's domain */
    C_FILE,     /* local files (the shell completes them) */
    C_COMMAND,  /* esxsh's commands and groups */
    C_WORDS,    /* the words of opt_def.words, separated by '|' */
} completer;

typedef struct {
    const char *name;
    opt_type type;
    unsigned int flags;
    const char *help;
    completer complete;
    const char *words; /* C_WORDS */
} opt_def;

typedef struct shell shell;
typedef struct cmd cmd;

enum {
    CMD_NOCONNECT = 1, /* runs without a connection */
    CMD_HIDDEN = 2,    /* not listed by help */
};

typedef struct {
    const char *name;
    bool (*handler)(shell *sh, const cmd *c);
    const opt_def *opts; /* ends with { NULL } */
    const char *help;    /* one line */
    const char *desc;    /* what it does; may be several sentences */
    unsigned int flags;
} cmd_def;

typedef struct {
    const char *name;
    const char *keyword;
    const cmd_def *cmds; /* ends with { NULL } */
} cmd_group;

/* The groups, in the order help lists them (esxsh.c). */
extern const cmd_group cmd_groups[];

extern const cmd_def domain_cmds[];
extern const cmd_def monitor_cmds[];
extern const cmd_def event_cmds[];
extern const cmd_def host_cmds[];
extern const cmd_def snapshot_cmds[];
extern const cmd_def pool_cmds[];
extern const cmd_def volume_cmds[];
extern const cmd_def network_cmds[];
extern const cmd_def interface_cmds[];
extern const cmd_def shell_cmds[];

/* ---- a parsed command ---- */

typedef struct {
    const opt_def *def;
    char *data; /* NULL for a boolean */
} opt_val;

struct cmd {
    const cmd_def *def;
    opt_val *opts;
    size_t nopts;
    cmd *next; /* the next command of a line ("a; b") */
};

const cmd_def *cmd_lookup(const char *name);
const cmd_group *group_lookup(const char *name);

/* Parses one command line (argv, or a string with quotes and ';'). Errors
 * are printed with virsh's wording; NULL then. */
cmd *cmd_parse_argv(shell *sh, int argc, char **argv);
cmd *cmd_parse_string(shell *sh, const char *line);
void cmd_free(cmd *c);

bool opt_bool(const cmd *c, const char *name);
/* The value, or NULL when absent. */
const char *opt_string(const cmd *c, const char *name);
/* 0 when absent, 1 with *out set, -1 after an error message. */
int opt_int(shell *sh, const cmd *c, const char *name, int *out);
int opt_ulonglong(shell *sh, const cmd *c, const char *name, unsigned long long *out);
/* A size in bytes; `scale` is the unit of a bare number (1, 1024). */
int opt_scaled(shell *sh, const cmd *c, const char *name, unsigned long long scale,
               unsigned long long *out);
/* The values of an OT_ARGV option, one per call: start with *iter = 0. */
const char *opt_argv(const cmd *c, const char *name, size_t *iter);

/* help [CMD|GROUP], the usage of --help, the manual page. */
bool print_help(shell *sh, const char *name);
void print_usage(void);
void print_manual(void);
/* What completes the last of `words` (complete's output, one a line). */
void complete_words(shell *sh, int nwords, char **words);
/* Candidates for the interactive line editor's Tab. */
char **complete_line(shell *sh, const char *line, size_t point);

/* ---- the shell ---- */

struct shell {
    const char *progname;
    char *uri;
    bool readonly;
    bool quiet;
    bool timing;
    bool imode;    /* interactive */
    bool istty;    /* standard input is a terminal */
    bool complete; /* running `complete`: never ask for anything */
    const char *password_file;
    bool answer_ask;
    int keepalive_interval; /* -1: not given */
    int keepalive_count;
    esxConnectPtr conn;
    bool conn_failed;  /* reported once per command */
    char *last_error;  /* the library's error of the failed call, unprinted */
    int last_code;
    bool no_password;  /* the auth callback had nothing to offer */
    bool interrupted;  /* Ctrl-C during the last command */
};

/* The connection (opened on first use), or NULL after an error message. */
esxConnectPtr need_conn(shell *sh);
void close_conn(shell *sh);
bool open_conn(shell *sh, const char *uri, bool readonly);

/* ---- output and errors (virsh's vshPrint, vshPrintExtra, vshError) ---- */

void out(shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Left out with -q. */
void out_extra(shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err(shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keeps the library's last error for report_error; returns false. */
bool save_error(shell *sh);
/* Prints the kept error, if any, as "error: ..." and forgets it. */
void report_error(shell *sh);
void reset_error(shell *sh);

/* ---- lookups as virsh's ---- */

enum { BY_ID = 1, BY_UUID = 2, BY_NAME = 4, BY_ANY = 7 };
/* The domain of option `domain`, or NULL after "failed to get domain". */
esxDomainPtr opt_domain(shell *sh, const cmd *c, unsigned int by);
esxDomainPtr lookup_domain(shell *sh, const char *name, unsigned int by);
esxStoragePoolPtr lookup_pool(shell *sh, const char *name, unsigned int by);
esxStoragePoolPtr opt_pool(shell *sh, const cmd *c, const char *optname, unsigned int by);
/* The volume of option `optname`, by name in the pool of option `poolopt`
 * when given (BY_NAME), else by key or path (BY_UUID). */
esxStorageVolPtr opt_vol(shell *sh, const cmd *c, const char *optname, const char *poolopt,
                         unsigned int by);

/* ---- tables as virsh's vshTable ---- */

typedef struct {
    size_t ncols;
    size_t nrows;
    char **cells; /* nrows * ncols, row 0 the header */
} table;

table *table_new(size_t ncols, ...);
void table_add(table *t, ...);
void table_add_row(table *t, const char *const *row);
/* Prints (the header unless -q) and frees the table. */
void table_print(shell *sh, table *t);

/* virsh's edit loop (esxsh_domain.c): the document in $VISUAL/$EDITOR,
 * then `define` what was saved; 1 defined, 0 unchanged, -1 failed. */
int edit_document(shell *sh, const char *doc, char *(*reread)(shell *sh, void *ctx),
                  bool (*define)(shell *sh, void *ctx, const char *xml), void *ctx);

/* ---- small helpers ---- */

int parse_scaled(const char *text, unsigned long long scale, unsigned long long max,
                 unsigned long long *out);
void pretty_size(char *buf, size_t size, unsigned long long bytes);
/* A whole file (at most 10 MiB, as virsh reads XML); NULL after an error. */
char *read_file(shell *sh, const char *path);
char *xml_escape(const char *s);
const char *state_name(int state);
const char *state_reason(int state, int reason);

/* A tiny reader for the XML this library writes: the text of the first
 * element at `path` ("domainsnapshot/parent/name"), the value of an
 * attribute ("@dev" as the last step), or each match under a node. */
typedef struct xml_node xml_node;
xml_node *xml_parse(const char *text);
void xml_free(xml_node *n);
xml_node *xml_find(xml_node *n, const char *path);
/* Every element at `path`, NULL-terminated (free the array only). */
xml_node **xml_find_all(xml_node *n, const char *path);
/* Text of `path` below n ("" path: n's own text), or of an attribute
 * step "@name"; NULL when absent. Not to be freed. */
const char *xml_get(xml_node *n, const char *path);

/* ---- long operations: progress and Ctrl-C ---- */

/* A task on `dom` runs while this is set: its progress is shown on a
 * terminal, and Ctrl-C aborts it (esxDomainAbortJob). */
void job_begin(shell *sh, esxDomainPtr dom, const char *label, bool verbose);
void job_end(shell *sh, bool done);
/* A transfer of `total` bytes (0: unknown): bytes counted by the caller
 * with transfer_add; Ctrl-C sets transfer_cancelled. */
void transfer_begin(shell *sh, const char *label, unsigned long long total, bool verbose);
void transfer_add(unsigned long long bytes);
bool transfer_cancelled(void);
void transfer_end(shell *sh, bool done);
/* Ctrl-C: the signal thread (started once). */
void signals_start(shell *sh);
void signals_stop(void);
/* True once Ctrl-C was pressed outside any long operation. */
bool interrupt_pending(void);
void interrupt_clear(void);

/* Runs the event loop until *count is non-zero (or forever with loop),
 * Ctrl-C, or timeout seconds (none when <= 0); false with the error saved
 * when the loop fails. Says why it stopped as virsh does. */
bool run_event_loop(shell *sh, const int *count, bool loop, int timeout);

/* Progress is shown: on a terminal (stderr), unless -q without --verbose. */
bool progress_wanted(shell *sh, bool verbose);

/* ---- the line editor (esxsh_line.c) ---- */

void history_load(void);
void history_save(void);
void history_add(const char *line);
/* A line typed at the prompt (malloc'd), NULL at the end of input. */
char *read_line(shell *sh, const char *prompt);

#endif
