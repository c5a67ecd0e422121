/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esxsh: a virsh for esx-driver, written against the installed header and
 * library only (esx_driver.h, -lesx_driver). `esxsh --help` and `esxsh
 * help` list the commands; `esxsh --man` prints the manual page. This file
 * holds main, the global options, the connection and credentials, the
 * shell loop and the shell's own commands; the commands are declared in
 * the cmd_def tables of the other esxsh_*.c files.
 */

#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <esx_driver.h>

#include "esxsh.h"

/* ---- the shell's own commands ---- */

static bool
cmd_help(shell *sh, const cmd *c)
{
    return print_help(sh, opt_string(c, "command"));
}

static bool
cmd_quit(shell *sh, const cmd *c)
{
    (void)c;
    sh->imode = false;
    return true;
}

static bool
cmd_connect(shell *sh, const cmd *c)
{
    const char *name = opt_string(c, "name");
    bool ro = opt_bool(c, "readonly");
    if (!name && !ro)
        ro = sh->readonly;
    close_conn(sh);
    if (!open_conn(sh, name ? name : sh->uri, ro))
        return false;
    if (name) {
        free(sh->uri);
        sh->uri = strdup(name);
    }
    sh->readonly = ro;
    return true;
}

/* Quotes a word for a POSIX shell when it needs it. */
static void
shell_quote(FILE *f, const char *s)
{
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_") ==
                  strlen(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

static bool
cmd_echo(shell *sh, const cmd *c)
{
    bool shell_esc = opt_bool(c, "shell"), xml = opt_bool(c, "xml"), to_err = opt_bool(c, "err");
    char *buf = NULL;
    size_t len = 0, iter = 0;
    const char *arg;
    FILE *f;

    if (shell_esc && xml) {
        err(sh, "Options --%s and --%s are mutually exclusive", "shell", "xml");
        return false;
    }
    if (!(f = open_memstream(&buf, &len)))
        return false;
    for (bool first = true; (arg = opt_argv(c, "string", &iter)); first = false) {
        if (!first)
            fputc(' ', f);
        if (xml) {
            char *e = xml_escape(arg);
            fputs(e ? e : "", f);
            free(e);
        } else if (shell_esc) {
            shell_quote(f, arg);
        } else {
            fputs(arg, f);
        }
    }
    fclose(f);
    if (to_err)
        err(sh, "%s", buf);
    else
        out(sh, "%s", buf);
    free(buf);
    return true;
}

static bool
cmd_cd(shell *sh, const cmd *c)
{
    const char *dir = opt_string(c, "dir");
    if (!sh->imode) {
        err(sh, "%s", "cd: command valid only in interactive mode");
        return false;
    }
    if (!dir)
        dir = getenv("HOME") ? getenv("HOME") : "/";
    if (chdir(dir) < 0) {
        err(sh, "cd: %s: %s", strerror(errno), dir);
        return false;
    }
    return true;
}

static bool
cmd_pwd(shell *sh, const cmd *c)
{
    char buf[4096];
    (void)c;
    if (!getcwd(buf, sizeof(buf))) {
        err(sh, "pwd: %s", strerror(errno));
        return false;
    }
    out(sh, "%s\n", buf);
    return true;
}

static bool
cmd_complete(shell *sh, const cmd *c)
{
    size_t iter = 0, n = 0;
    const char *w;
    char **words = NULL;
    /* Never ask for anything while completing. */
    sh->complete = true;
    while ((w = opt_argv(c, "string", &iter))) {
        char **more = realloc(words, (n + 1) * sizeof(*more));
        if (!more)
            break;
        words = more;
        words[n++] = (char *)w;
    }
    complete_words(sh, (int)n, words);
    free(words);
    return true;
}

static const opt_def opts_help[] = {
    { "command", OT_STRING, 0, "the command or group to describe", C_COMMAND, NULL },
    { NULL }
};
static const opt_def opts_connect[] = {
    { "name", OT_STRING, OF_EMPTY_OK, "the URI to connect to (the current one when left out)", C_NONE, NULL },
    { "readonly", OT_BOOL, 0, "connect read-only", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_echo[] = {
    { "shell", OT_BOOL, 0, "quote the words for a POSIX shell", C_NONE, NULL },
    { "xml", OT_BOOL, 0, "escape the words for XML", C_NONE, NULL },
    { "err", OT_BOOL, 0, "write to standard error, as an error", C_NONE, NULL },
    { "string", OT_ARGV, OF_EMPTY_OK, "the words to print", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_cd[] = {
    { "dir", OT_STRING, 0, "the directory (default: $HOME)", C_FILE, NULL },
    { NULL }
};
static const opt_def opts_complete[] = {
    { "string", OT_ARGV, OF_EMPTY_OK, "the words typed so far, the last one being completed", C_NONE, NULL },
    { NULL }
};

const cmd_def shell_cmds[] = {
    { "cd", cmd_cd, opts_cd, "change the current directory",
      "Changes the current directory of the interactive shell.", CMD_NOCONNECT },
    { "complete", cmd_complete, opts_complete, "print the completions of a command line",
      "Prints what completes the last word, one a line: commands, options, and the names of "
      "domains, snapshots, pools and volumes from the host. The bash completion calls it.",
      CMD_NOCONNECT | CMD_HIDDEN },
    { "connect", cmd_connect, opts_connect, "connect to a host or vCenter",
      "Closes the current connection (logging out) and opens one to the URI given, or again "
      "to the current one.",
      CMD_NOCONNECT },
    { "echo", cmd_echo, opts_echo, "print the words given",
      "Prints its words, separated by one space, quoted for a shell or escaped for XML if "
      "asked.",
      CMD_NOCONNECT },
    { "exit", cmd_quit, NULL, "leave the interactive shell", "", CMD_NOCONNECT },
    { "help", cmd_help, opts_help, "describe the commands",
      "Without a command, lists every command by group with a line about each; with a "
      "command, describes it and its options; with a group keyword, lists its commands.",
      CMD_NOCONNECT },
    { "pwd", cmd_pwd, NULL, "print the current directory", "", CMD_NOCONNECT },
    { "quit", cmd_quit, NULL, "leave the interactive shell", "", CMD_NOCONNECT },
    { NULL }
};

const cmd_group cmd_groups[] = {
    { "Domain management", "domain", domain_cmds },
    { "Domain monitoring", "monitor", monitor_cmds },
    { "Domain events", "events", event_cmds },
    { "Host and hypervisor", "host", host_cmds },
    { "Snapshots", "snapshot", snapshot_cmds },
    { "Storage pools", "pool", pool_cmds },
    { "Storage volumes", "volume", volume_cmds },
    { "Networks", "network", network_cmds },
    { "Host interfaces", "interface", interface_cmds },
    { "The shell itself", "esxsh", shell_cmds },
    { NULL, NULL, NULL }
};

/* ---- credentials ---- */

static char *
read_password_file(shell *sh, const char *path)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    FILE *f = fopen(path, "r");

    if (!f) {
        err(sh, "cannot read the password file %s: %s", path, strerror(errno));
        return NULL;
    }
    len = getline(&line, &cap, f);
    fclose(f);
    if (len < 0) {
        free(line);
        return strdup("");
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    return line;
}

static bool
have_terminal(void)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

typedef struct {
    shell *sh;
    char *password; /* from --password-file */
} auth_data;

/* The password from --password-file, else the terminal (the library's
 * default callback); with neither, no answer, and the shell remembers
 * that nothing was available to say so. */
static int
auth_cb(esxConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    auth_data *a = cbdata;
    for (unsigned int i = 0; i < ncred; i++) {
        const char *answer = NULL;
        bool secret = cred[i].type == ESX_CRED_PASSPHRASE || cred[i].type == ESX_CRED_NOECHOPROMPT;
        if (secret && a->password) {
            answer = a->password;
        } else if (!a->password && !a->sh->complete && have_terminal()) {
            esxConnectAuthPtr def = esxConnectAuthPtrDefault;
            if (def->cb(&cred[i], 1, def->cbdata) < 0) {
                if (secret)
                    a->sh->no_password = true;
                return -1;
            }
            continue;
        } else if (!secret) {
            answer = cred[i].defresult ? cred[i].defresult : "root";
        } else {
            a->sh->no_password = true;
            return -1;
        }
        cred[i].result = strdup(answer);
        if (!cred[i].result)
            return -1;
        cred[i].resultlen = (unsigned int)strlen(answer);
    }
    return 0;
}

/* --answer=ask: the question and its choices on the terminal. */
static int
ask_question(esxConnectPtr conn, esxDomainPtr dom, const esxQuestion *q, void *opaque)
{
    char line[64];
    char *end;
    long choice;
    (void)conn;
    (void)opaque;
    fprintf(stderr, "Domain '%s' asks [%s]: %s\n", esxDomainGetName(dom), q->id, q->text);
    for (unsigned int i = 0; i < q->nchoices; i++)
        fprintf(stderr, "  %u) %s%s\n", i,
                q->choices[i].summary[0] ? q->choices[i].summary : q->choices[i].label,
                (int)i == q->defaultIndex ? " (default)" : "");
    fprintf(stderr, "Answer (number, empty for the default, 'n' to refuse): ");
    fflush(stderr);
    if (!fgets(line, sizeof(line), stdin))
        return -1;
    if (line[0] == '\n' || line[0] == '\0')
        return q->defaultIndex;
    if (line[0] == 'n' || line[0] == 'N')
        return -1;
    choice = strtol(line, &end, 10);
    if (end == line)
        return -1;
    return (int)choice;
}

/* ---- the connection ---- */

static shell *the_shell;

bool
open_conn(shell *sh, const char *uri, bool readonly)
{
    auth_data a = { sh, NULL };
    int credtypes[] = { ESX_CRED_AUTHNAME, ESX_CRED_PASSPHRASE };
    esxConnectAuth auth = { credtypes, 2, auth_cb, &a };

    sh->conn_failed = false;
    sh->no_password = false;
    if (!uri || !*uri) {
        err(sh, "%s", "failed to connect to the hypervisor");
        err(sh, "%s", "no connection URI: give one with -c or connect, or set "
                      "ESXSH_DEFAULT_CONNECT_URI or LIBVIRT_DEFAULT_URI");
        sh->conn_failed = true;
        return false;
    }
    /* The library keeps its sessions alive itself (it logs in again when
     * one expired) and has no keepalive to set: one asked for is refused
     * as virsh refuses it where a driver has none, before connecting. */
    if (sh->keepalive_interval > 0 || (sh->keepalive_interval < 0 && sh->keepalive_count >= 0)) {
        err(sh, "%s", "Cannot setup keepalive on connection as requested, disconnecting");
        sh->conn_failed = true;
        return false;
    }
    if (sh->password_file && !(a.password = read_password_file(sh, sh->password_file))) {
        sh->conn_failed = true;
        return false;
    }
    sh->conn = esxConnectOpenAuth(uri, &auth, readonly ? ESX_CONNECT_RO : 0);
    if (a.password) {
        memset(a.password, 0, strlen(a.password));
        free(a.password);
    }
    if (!sh->conn) {
        save_error(sh);
        err(sh, "%s", "failed to connect to the hypervisor");
        report_error(sh);
        if (sh->no_password && !sh->complete)
            err(sh, "%s", "no password was available: there is no terminal to ask on; give it "
                          "with --password-file FILE or in an auth.conf (LIBVIRT_AUTH_FILE)");
        sh->conn_failed = true;
        return false;
    }
    if (sh->answer_ask && esxConnectSetQuestionHandler(sh->conn, ask_question, NULL, NULL) < 0) {
        save_error(sh);
        report_error(sh);
        close_conn(sh);
        sh->conn_failed = true;
        return false;
    }
    return true;
}

esxConnectPtr
need_conn(shell *sh)
{
    if (sh->conn)
        return sh->conn;
    /* One attempt per command: its errors were shown. */
    if (sh->conn_failed)
        return NULL;
    open_conn(sh, sh->uri, sh->readonly);
    return sh->conn;
}

void
close_conn(shell *sh)
{
    if (!sh->conn)
        return;
    if (esxConnectClose(sh->conn) < 0) {
        save_error(sh);
        err(sh, "%s", "Failed to disconnect from the hypervisor");
        report_error(sh);
    }
    sh->conn = NULL;
}

/* ---- running commands ---- */

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Runs each command of a line; false when one failed (all are run, as
 * virsh runs them). */
static bool
run(shell *sh, cmd *c)
{
    bool ok = true;
    for (; c; c = c->next) {
        double before = now_ms();
        bool r;
        sh->conn_failed = false;
        reset_error(sh);
        interrupt_clear();
        /* Handlers connect when they first need the host, after checking
         * what they can without it. */
        r = c->def->handler(sh, c);
        if (!r)
            report_error(sh);
        ok &= r;
        if (c->def->handler == cmd_quit)
            return ok;
        if (sh->timing)
            out(sh, "\n(Time: %.3f ms)\n\n", now_ms() - before);
        else
            out_extra(sh, "\n");
        fflush(stdout);
        /* Ctrl-C in a batch: the rest of the line is not run. */
        if (interrupt_pending() && !sh->imode)
            break;
    }
    return ok;
}

static const char *
history_prompt(shell *sh)
{
    return sh->readonly ? "esxsh > " : "esxsh # ";
}

static void
interactive(shell *sh)
{
    char *line;
    if (sh->istty && !sh->quiet)
        out(sh, "Welcome to %s, the interactive terminal of esx-driver.\n\n"
                "Type:  'help' for help with commands\n"
                "       'quit' to quit\n\n",
            sh->progname);
    if (sh->istty)
        history_load();
    /* As virsh: a named connection is opened at once. */
    if (sh->uri) {
        need_conn(sh);
        reset_error(sh);
    }
    while (sh->imode && (line = read_line(sh, history_prompt(sh)))) {
        if (*line) {
            cmd *c;
            history_add(line);
            if ((c = cmd_parse_string(sh, line))) {
                run(sh, c);
                cmd_free(c);
            }
        }
        free(line);
    }
    if (sh->istty)
        history_save();
}

/* -d: the library's log records from this level on. */
static int log_level = -1;

static void
log_to_stderr(int priority, const char *module, const char *message, void *opaque)
{
    (void)opaque;
    /* virsh's levels: 0 debug .. 4 error; the library's: 1 debug .. 4 error. */
    if (priority - 1 < log_level && priority < ESX_LOG_ERROR)
        return;
    fprintf(stderr, "%s: %s: %s\n",
            priority >= ESX_LOG_ERROR ? "error" : priority == ESX_LOG_WARN ? "warning"
            : priority == ESX_LOG_INFO ? "info" : "debug",
            module, message);
}

static bool
parse_count(shell *sh, const char *opt, const char *text, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(text, &end, 0);
    if (errno || *end || !*text || v > 0x7fffffff) {
        err(sh, "Invalid value for option %s", opt);
        return false;
    }
    if (v < 0) {
        err(sh, "option %s requires a positive integer argument", opt);
        return false;
    }
    *out = (int)v;
    return true;
}

static void
show_version(bool lng)
{
    if (!lng) {
        printf("%d.%d.%d\n", ESX_DRIVER_VERSION_MAJOR, ESX_DRIVER_VERSION_MINOR, ESX_DRIVER_VERSION_MICRO);
        return;
    }
    printf("esxsh, the command line tool of esx-driver %d.%d.%d\n\n", ESX_DRIVER_VERSION_MAJOR,
           ESX_DRIVER_VERSION_MINOR, ESX_DRIVER_VERSION_MICRO);
    printf("Hypervisors: ESX, GSX, vCenter (esx://, gsx://, vpx://)\n");
    printf("Features: Storage (datastores, iSCSI), Snapshots, Events, Streams, Readline-style editing\n");
}

/* The value of an option given as "-x V", "-xV", "--long V" or "--long=V";
 * NULL (after the error) when missing. */
static const char *
option_value(shell *sh, int argc, char **argv, int *i, const char *shortname,
             const char *longname)
{
    const char *a = argv[*i];
    size_t ll = strlen(longname);
    if (strncmp(a, longname, ll) == 0 && a[ll] == '=')
        return a + ll + 1;
    if (strcmp(a, shortname) != 0 && strcmp(a, longname) != 0 && shortname[0] &&
        strncmp(a, shortname, 2) == 0 && a[2])
        return a + 2;
    if (*i + 1 < argc)
        return argv[++*i];
    if (shortname[0])
        err(sh, "option '%s'/'%s' requires an argument", shortname, longname);
    else
        err(sh, "option '%s' requires an argument", longname);
    return NULL;
}

static bool
is_opt(const char *a, const char *shortname, const char *longname)
{
    size_t ll = strlen(longname);
    return (shortname[0] && strncmp(a, shortname, 2) == 0 && a[1] == shortname[1]) ||
           strcmp(a, longname) == 0 || (strncmp(a, longname, ll) == 0 && a[ll] == '=');
}

/* Errors are reported by the command that met them (report_error), as
 * virsh does; the library's default printing on stderr is turned off. */
static void
quiet_errors(void *data, esxErrorPtr e)
{
    (void)data;
    (void)e;
}

int
main(int argc, char **argv)
{
    shell sh_;
    shell *sh = &sh_;
    const char *env;
    int i = 1, rc = 0;

    memset(sh, 0, sizeof(*sh));
    the_shell = sh;
    esxSetErrorFunc(NULL, quiet_errors);
    setlocale(LC_ALL, "");
    sh->progname = "esxsh";
    sh->keepalive_interval = -1;
    sh->keepalive_count = -1;
    sh->istty = isatty(STDIN_FILENO);

    for (; i < argc; i++) {
        const char *a = argv[i], *v;
        if (a[0] != '-' || strcmp(a, "-") == 0)
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (is_opt(a, "-c", "--connect")) {
            if (!(v = option_value(sh, argc, argv, &i, "-c", "--connect")))
                return 1;
            free(sh->uri);
            sh->uri = strdup(v);
        } else if (is_opt(a, "-d", "--debug")) {
            int level;
            if (!(v = option_value(sh, argc, argv, &i, "-d", "--debug")))
                return 1;
            if (!parse_count(sh, a[1] == '-' ? "--debug" : "-d", v, &level))
                return 1;
            if (level > 4)
                err(sh, "ignoring debug level %d out of range [0-4]", level);
            else
                log_level = level;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage();
            return 0;
        } else if (is_opt(a, "-k", "--keepalive-interval")) {
            if (!(v = option_value(sh, argc, argv, &i, "-k", "--keepalive-interval")) ||
                !parse_count(sh, a[1] == '-' ? "--keepalive-interval" : "-k", v, &sh->keepalive_interval))
                return 1;
        } else if (is_opt(a, "-K", "--keepalive-count")) {
            if (!(v = option_value(sh, argc, argv, &i, "-K", "--keepalive-count")) ||
                !parse_count(sh, a[1] == '-' ? "--keepalive-count" : "-K", v, &sh->keepalive_count))
                return 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            sh->quiet = true;
        } else if (strcmp(a, "-r") == 0 || strcmp(a, "--readonly") == 0) {
            sh->readonly = true;
        } else if (strcmp(a, "-t") == 0 || strcmp(a, "--timing") == 0) {
            sh->timing = true;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0 ||
                   strcmp(a, "--version=short") == 0) {
            show_version(false);
            return 0;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version=long") == 0) {
            show_version(true);
            return 0;
        } else if (is_opt(a, "", "--password-file")) {
            if (!(v = option_value(sh, argc, argv, &i, "", "--password-file")))
                return 1;
            sh->password_file = v;
        } else if (strcmp(a, "--answer=ask") == 0) {
            sh->answer_ask = true;
        } else if (strcmp(a, "--man") == 0) {
            print_manual();
            return 0;
        } else if (a[1] != '-' && a[2]) {
            /* Bundled short options: -qr */
            bool known = true;
            for (const char *p = a + 1; *p && known; p++) {
                if (*p == 'q')
                    sh->quiet = true;
                else if (*p == 'r')
                    sh->readonly = true;
                else if (*p == 't')
                    sh->timing = true;
                else
                    known = false;
            }
            if (!known) {
                err(sh, "unsupported option '%s'. See --help.", a);
                return 1;
            }
        } else {
            if (a[1] != '-')
                err(sh, "unsupported option '-%c'. See --help.", a[1]);
            else
                err(sh, "unsupported option '%s'. See --help.", a);
            return 1;
        }
    }
    if (log_level >= 0)
        esxSetLogHandler(log_to_stderr, NULL);
    if (!sh->uri && (env = getenv("ESXSH_DEFAULT_CONNECT_URI")) && *env)
        sh->uri = strdup(env);
    if (!sh->uri && (env = getenv("LIBVIRT_DEFAULT_URI")) && *env)
        sh->uri = strdup(env);

    signals_start(sh);
    if (i >= argc) {
        sh->imode = true;
        interactive(sh);
    } else {
        /* Everything is parsed before anything is sent to the host. */
        cmd *c = argc - i == 1 ? cmd_parse_string(sh, argv[i])
                               : cmd_parse_argv(sh, argc - i, argv + i);
        if (!c)
            rc = 1;
        else {
            rc = run(sh, c) ? 0 : 1;
            cmd_free(c);
        }
    }
    close_conn(sh);
    signals_stop();
    reset_error(sh);
    free(sh->uri);
    return rc;
}
