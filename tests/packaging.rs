// SPDX-License-Identifier: LGPL-2.1-or-later
//! The project as a distribution takes it: licence lines in every source
//! file, `make install` / `make uninstall` (relocatable, never building),
//! the static library through pkg-config, and the build outputs' debug
//! info split off (docs/packaging.md).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{build_dir, in_ci, password_file, repo_dir, require, target_dir, which, Sim, TempDir};

const SPDX: &str = "SPDX-License-Identifier: LGPL-2.1-or-later";

/// The files that must carry the SPDX line: sources of every language the
/// project uses, its build files and manual pages; not prose (Markdown),
/// generated lock files, Debian's control files or test data.
fn needs_spdx(path: &str) -> bool {
    if path.starts_with("tests/data/") {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext,
        "rs" | "c" | "h" | "sh" | "py" | "go" | "toml" | "in" | "supp" | "schema"
    ) || name == "Makefile"
        || matches!(path, ".ci/run" | "debian/rules" | "abi/released")
        || path.starts_with("contrib/bash-completion/")
        || (path.starts_with("man/") && ext.len() == 1)
}

#[test]
fn every_source_file_has_an_spdx_line() {
    let Some(git) = require("git", which("git")) else {
        return;
    };
    let out = Command::new(git)
        .args(["ls-files", "--cached", "--others", "--exclude-standard"])
        .current_dir(repo_dir())
        .output()
        .expect("git ls-files");
    if !out.status.success() {
        // Not a git checkout (a source tarball): nothing to list.
        assert!(!in_ci(), "git ls-files failed in CI");
        return;
    }
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let mut checked = 0;
    let mut missing = Vec::new();
    for f in files.iter().filter(|f| needs_spdx(f)) {
        let Ok(text) = std::fs::read_to_string(repo_dir().join(f)) else {
            continue; // deleted in the work tree
        };
        checked += 1;
        if !text.lines().take(3).any(|l| l.contains(SPDX)) {
            missing.push(f.clone());
        }
    }
    assert!(checked > 150, "only {checked} files checked");
    assert!(
        missing.is_empty(),
        "add `{SPDX}` (in the file's comment syntax) to the first lines of: {missing:?}"
    );
}

#[test]
fn the_spdx_rule_covers_what_it_should() {
    for yes in [
        "src/lib.rs",
        "ffi-examples/esxsh.c",
        "include/esx_driver.h",
        "scripts/test.sh",
        "tests/vcsim/main.go",
        "Makefile",
        ".ci/run",
        "debian/rules",
        "man/esx-sim.1",
        "esx-driver.pc.in",
        "contrib/bash-completion/esxsh",
    ] {
        assert!(needs_spdx(yes), "{yes}");
    }
    for no in [
        "README.md",
        "Cargo.lock",
        "tests/data/libvirt-vmx/vmx2xml/annotation.vmx",
        "debian/control",
        "LICENSE",
    ] {
        assert!(!needs_spdx(no), "{no}");
    }
}

/// The licence text is the LGPL 2.1 and the test data's origins are listed.
#[test]
fn licence_and_test_data_provenance() {
    let licence = std::fs::read_to_string(repo_dir().join("LICENSE")).unwrap();
    assert!(licence.contains("GNU LESSER GENERAL PUBLIC LICENSE"));
    assert!(licence.contains("Version 2.1, February 1999"));
    let listing = std::fs::read_to_string(repo_dir().join("tests/data/README.md")).unwrap();
    for entry in std::fs::read_dir(repo_dir().join("tests/data")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                listing.contains(&format!("`{name}/`")),
                "tests/data/README.md does not list the origin and licence of {name}/"
            );
        }
    }
    let copyright = std::fs::read_to_string(repo_dir().join("debian/copyright")).unwrap();
    for entry in std::fs::read_dir(repo_dir().join("tests/data/vi-captures")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        // Every capture falls under one Files: pattern of debian/copyright.
        let covered = copyright.lines().any(|l| {
            let l = l.trim_start_matches("Files:").trim();
            l.strip_prefix("tests/data/vi-captures/")
                .is_some_and(|pat| {
                    pat.strip_suffix('*')
                        .map_or(pat == name, |prefix| name.starts_with(prefix))
                })
        });
        assert!(covered, "debian/copyright has no Files: entry for {name}");
    }
}

/// The crates linked into what the packages ship are listed with their
/// licences, as Cargo.lock pins them now (a dependency update that forgets
/// the list fails here), and the packages carry the list.
#[test]
fn third_party_licences_are_listed_and_current() {
    let out = Command::new(repo_dir().join("scripts/third-party.sh"))
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let list = std::fs::read_to_string(repo_dir().join("docs/third-party.md")).unwrap();
    for needle in ["| rustls |", "| ring |", "| ureq |"] {
        assert!(list.contains(needle), "docs/third-party.md lacks {needle}");
    }
    for row in list
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Crate"))
    {
        let licence = row.split('|').nth(3).unwrap_or("").trim();
        assert!(!licence.is_empty(), "no licence in {row}");
    }
    for pkg in ["libesx-driver0", "esx-sim"] {
        let docs = std::fs::read_to_string(repo_dir().join(format!("debian/{pkg}.docs")))
            .unwrap_or_default();
        assert!(
            docs.contains("docs/third-party.md"),
            "debian/{pkg}.docs lacks docs/third-party.md"
        );
    }
}

/// README and docs/ stand alone: no reader is sent to a file outside the
/// repository.
#[test]
fn docs_send_readers_nowhere_outside_the_repository() {
    let mut files = vec![
        repo_dir().join("README.md"),
        repo_dir().join("CHANGELOG.md"),
    ];
    for e in std::fs::read_dir(repo_dir().join("docs")).unwrap() {
        files.push(e.unwrap().path());
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for outside in ["DESIGN.md", "WIRE.md", "STYLE.md", "../shared", "/work/"] {
            assert!(
                !text.contains(outside),
                "{} mentions {outside}, which is not in the repository",
                f.display()
            );
        }
    }
}

fn profile() -> String {
    target_dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `make TARGETS VARS` in the repository, with cargo, rustc and the C
/// compiler replaced by `false`: installing must not build anything.
fn make_without_building(args: &[&str]) -> Output {
    let profile = format!("PROFILE={}", profile());
    let out = Command::new("make")
        .arg("--no-print-directory")
        .arg(profile)
        .args(["CARGO=false", "RUSTC=false", "CC=false"])
        .args(args)
        .current_dir(repo_dir())
        .output()
        .expect("make");
    if !out.status.success() {
        eprintln!(
            "make {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// Every file (and symlink) under `root`, relative to it.
fn files_under(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(
                    e.path()
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out
}

fn readelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("readelf")
        .args(args)
        .arg(file)
        .output()
        .expect("readelf");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Where make install puts things for PREFIX=/usr/local: exactly these.
fn expected_install(man: &[String]) -> BTreeSet<String> {
    let v = version();
    let mut files: BTreeSet<String> = [
        format!("usr/local/lib/libesx_driver.so.{v}"),
        "usr/local/lib/libesx_driver.so.0".into(),
        "usr/local/lib/libesx_driver.so".into(),
        format!("usr/local/lib/.debug/libesx_driver.so.{v}.debug"),
        "usr/local/lib/libesx_driver.a".into(),
        "usr/local/lib/pkgconfig/esx-driver.pc".into(),
        "usr/local/include/esx_driver.h".into(),
    ]
    .into_iter()
    .collect();
    for p in ["esxsh", "esx-watch", "esx-sim"] {
        files.insert(format!("usr/local/bin/{p}"));
        files.insert(format!("usr/local/bin/.debug/{p}.debug"));
    }
    files.insert("usr/local/share/bash-completion/completions/esxsh".into());
    for m in man {
        let section = m.rsplit('.').next().unwrap();
        files.insert(format!("usr/local/share/man/man{section}/{m}"));
    }
    files
}

fn man_pages() -> Vec<String> {
    let mut pages: Vec<String> = std::fs::read_dir(repo_dir().join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".1") || n.ends_with(".7"))
        .collect();
    pages.sort();
    pages
}

fn built() -> bool {
    require(
        "the build outputs (make)",
        Some(build_dir().join(profile()).join("bin/esxsh")),
    )
    .is_some()
}

#[test]
fn install_copies_the_build_and_uninstall_removes_exactly_it() {
    if !built() {
        return;
    }
    let tmp = TempDir::new("install");
    let dest = tmp.0.join("root");
    let destdir = format!("DESTDIR={}", dest.display());
    assert!(
        make_without_building(&["install", &destdir, "PREFIX=/usr/local"])
            .status
            .success()
    );
    let installed = files_under(&dest);
    assert_eq!(installed, expected_install(&man_pages()));

    let lib = dest.join(format!("usr/local/lib/libesx_driver.so.{}", version()));
    // Stripped, with a debuglink to the debug info installed beside it.
    let sections = readelf(&["-S", "-W"], &lib);
    assert!(!sections.contains(".debug_info"), "{sections}");
    assert!(!sections.contains(" .symtab "), "{sections}");
    let link = readelf(&["--string-dump=.gnu_debuglink"], &lib);
    assert!(
        link.contains(&format!("libesx_driver.so.{}.debug", version())),
        "{link}"
    );
    let debug = dest.join(format!(
        "usr/local/lib/.debug/libesx_driver.so.{}.debug",
        version()
    ));
    assert!(readelf(&["-S", "-W"], &debug).contains(".debug_info"));
    assert!(readelf(&["-d"], &lib).contains("Library soname: [libesx_driver.so.0]"));
    // The programs find the library relative to themselves.
    for p in ["esxsh", "esx-watch"] {
        let dynamic = readelf(&["-d"], &dest.join("usr/local/bin").join(p));
        assert!(
            dynamic.contains("Library runpath: [$ORIGIN/../lib]"),
            "{p}: {dynamic}"
        );
    }
    let pc = std::fs::read_to_string(dest.join("usr/local/lib/pkgconfig/esx-driver.pc")).unwrap();
    assert!(pc.contains("libdir=/usr/local/lib\n"), "{pc}");
    assert!(pc.contains(&format!("Version: {}\n", version())), "{pc}");

    assert!(
        make_without_building(&["uninstall", &destdir, "PREFIX=/usr/local"])
            .status
            .success()
    );
    let left = files_under(&dest);
    assert!(left.is_empty(), "make uninstall left {left:?}");
}

/// An installed tree works where it is moved to, and its esxsh loads the
/// library of that tree (not the build's).
#[test]
fn an_installed_tree_is_relocatable() {
    if !built() {
        return;
    }
    let tmp = TempDir::new("relocate");
    let first = tmp.0.join("first");
    assert!(make_without_building(&[
        "install-lib",
        "install-bin",
        &format!("DESTDIR={}", first.display()),
        "PREFIX=/opt/esx"
    ])
    .status
    .success());
    let moved = tmp.0.join("elsewhere");
    std::fs::rename(&first, &moved).unwrap();
    let esxsh = moved.join("opt/esx/bin/esxsh");
    let ldd = Command::new("ldd").arg(&esxsh).output().expect("ldd");
    let ldd = String::from_utf8_lossy(&ldd.stdout);
    assert!(
        ldd.contains(&format!(
            "libesx_driver.so.0 => {}",
            moved
                .join("opt/esx/bin/../lib/libesx_driver.so.0")
                .display()
        )),
        "{ldd}"
    );
    let sim = Sim::start();
    let pw = password_file(&tmp.0);
    let out = Command::new(&esxsh)
        .env_remove("LD_LIBRARY_PATH")
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(&pw)
        .args(["list", "--all"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("alpine-01"), "{stdout}");
}

/// make install refuses to install what is not built, instead of building.
#[test]
fn install_without_a_build_says_so() {
    let tmp = TempDir::new("unbuilt");
    let out = make_without_building(&[
        "install",
        &format!("DESTDIR={}", tmp.0.join("root").display()),
        &format!("BUILD={}", tmp.0.join("nothing").display()),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not built: run make first"), "{stderr}");
    assert!(files_under(&tmp.0.join("root")).is_empty());
}

/// A C program linked statically against libesx_driver.a with the flags
/// `pkg-config --static` gives, run against esx-sim.
#[test]
fn a_program_links_the_static_library_through_pkg_config() {
    let stage = build_dir().join("stage/lib");
    let Some(_) = require(
        "the staged static library (make)",
        Some(stage.join("libesx_driver.a")),
    ) else {
        return;
    };
    let Some(cc) = require("a C compiler", which("cc")) else {
        return;
    };
    let tmp = TempDir::new("static");
    let flags = pkg_config(
        &stage.join("pkgconfig"),
        None,
        &["--static", "--cflags", "--libs"],
    );
    let prog = tmp.0.join("pkgtest");
    compile(&cc, &prog, &flags, true);
    assert!(
        !readelf(&["-d"], &prog).contains("NEEDED"),
        "the program is not static"
    );
    let sim = Sim::start();
    run_pkgtest(&prog, None, &sim.uri(""));
}

pub fn pkg_config(dir: &Path, sysroot: Option<&Path>, args: &[&str]) -> Vec<String> {
    let mut c = Command::new("pkg-config");
    c.env("PKG_CONFIG_LIBDIR", dir)
        .env_remove("PKG_CONFIG_PATH");
    if let Some(root) = sysroot {
        c.env("PKG_CONFIG_SYSROOT_DIR", root);
    }
    let out = c.args(args).arg("esx-driver").output().expect("pkg-config");
    assert!(
        out.status.success(),
        "pkg-config: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

pub fn compile(cc: &Path, out: &Path, flags: &[String], fully_static: bool) {
    let mut c = Command::new(cc);
    c.args([
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-std=c11",
        "-D_POSIX_C_SOURCE=200809L",
    ]);
    if fully_static {
        c.arg("-static");
    }
    let res = c
        .arg(repo_dir().join("ffi-examples/pkgtest.c"))
        .arg("-o")
        .arg(out)
        .args(flags)
        .output()
        .expect("cc");
    assert!(
        res.status.success(),
        "cc: {}",
        String::from_utf8_lossy(&res.stderr)
    );
}

/// Runs pkgtest against the simulator at `uri` (with `libdir` as its only
/// library path when given) and checks what it lists.
pub fn run_pkgtest(prog: &Path, libdir: Option<&Path>, uri: &str) {
    let mut c = Command::new(prog);
    c.env_remove("LD_LIBRARY_PATH");
    if let Some(dir) = libdir {
        c.env("LD_LIBRARY_PATH", dir);
    }
    let out = c.arg(uri).arg(common::PASSWORD).output().expect("pkgtest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<u64> = version().split('.').map(|p| p.parse().unwrap()).collect();
    let number = v[0] * 1_000_000 + v[1] * 1_000 + v[2];
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!("esx-driver {number}").as_str(),
            "alpine-01",
            "debian-02",
            "win2019-03",
            "serial-04",
            "copied-05"
        ]
    );
}

/// A child process killed when dropped (a failed assertion included).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts an esx-sim program on a free port; returns it and its URI.
fn start_sim_program(program: &Path, datastore: &Path, libdir: Option<&Path>) -> (Running, String) {
    use std::io::BufRead;
    let mut c = Command::new(program);
    if let Some(dir) = libdir {
        c.env("LD_LIBRARY_PATH", dir);
    }
    let mut child = c
        .args(["--port", "0", "--datastore-dir"])
        .arg(datastore)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start esx-sim");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut first = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .expect("esx-sim's first line");
    let url = first
        .trim()
        .strip_prefix("esx-sim listening on ")
        .unwrap_or_else(|| panic!("esx-sim said: {first}"));
    let port = url
        .rsplit(':')
        .next()
        .and_then(|p| p.strip_suffix("/sdk"))
        .unwrap_or_else(|| panic!("no port in {url}"));
    (running, format!("esx://root@127.0.0.1:{port}/?no_verify=1"))
}

fn multiarch() -> String {
    let out = Command::new("cc")
        .arg("-print-multiarch")
        .output()
        .expect("cc");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The packages `make deb` built (build/deb), unpacked into a scratch
/// root: a C program built against them through pkg-config alone (shared,
/// then static) runs against the packaged esx-sim, and so does the
/// packaged esxsh, each with the packaged library.
#[test]
fn debian_packages_unpacked_build_and_run_a_program() {
    let dir = build_dir().join("deb");
    let deb = |name: &str| -> Option<PathBuf> {
        std::fs::read_dir(&dir).ok()?.find_map(|e| {
            let p = e.ok()?.path();
            let f = p.file_name()?.to_string_lossy().into_owned();
            (f.starts_with(&format!("{name}_")) && f.ends_with(".deb")).then_some(p)
        })
    };
    let mut debs = Vec::new();
    for name in ["libesx-driver0", "libesx-driver-dev", "esxsh", "esx-sim"] {
        let Some(p) = require(&format!("build/deb/{name}_*.deb (make deb)"), deb(name)) else {
            return;
        };
        debs.push(p);
    }
    let Some(cc) = require("a C compiler", which("cc")) else {
        return;
    };
    let tmp = TempDir::new("deb");
    let root = tmp.0.join("root");
    for p in &debs {
        let st = Command::new("dpkg")
            .arg("-x")
            .arg(p)
            .arg(&root)
            .status()
            .expect("dpkg -x");
        assert!(st.success(), "dpkg -x {}", p.display());
    }
    // The library's package carries the symbols file of its versions.
    let ctrl = tmp.0.join("control");
    assert!(Command::new("dpkg-deb")
        .arg("-e")
        .arg(&debs[0])
        .arg(&ctrl)
        .status()
        .unwrap()
        .success());
    // (dpkg-gensymbols writes out the (symver) patterns of
    // debian/libesx-driver0.symbols symbol by symbol.)
    let symbols = std::fs::read_to_string(ctrl.join("symbols")).expect("DEBIAN/symbols");
    assert!(symbols.starts_with("libesx_driver.so.0 libesx-driver0 #MINVER#\n"));
    let listed: BTreeSet<String> = symbols
        .lines()
        .filter_map(|l| l.strip_prefix(' '))
        .map(|l| l.split('@').next().unwrap().to_string())
        .collect();
    let exports: BTreeSet<String> =
        std::fs::read_to_string(concat!(env!("OUT_DIR"), "/esx_driver.syms"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
    assert_eq!(
        listed, exports,
        "the packaged symbols file and the header differ"
    );
    for f in [
        "usr/share/man/man1/esx-sim.1.gz",
        "usr/share/man/man1/esx-watch.1.gz",
        "usr/share/man/man1/esxsh.1.gz",
        "usr/share/bash-completion/completions/esxsh",
        "usr/share/man/man7/esx-driver.7.gz",
        "usr/share/doc/libesx-driver-dev/api/index.html",
        "usr/share/doc/libesx-driver-dev/api/domains.html",
        "usr/share/doc/libesx-driver0/copyright",
        "usr/include/esx_driver.h",
    ] {
        assert!(root.join(f).exists(), "{f} is not in the packages");
    }
    // (dh_compress may have compressed it.)
    for pkg in ["libesx-driver0", "esx-sim"] {
        let doc = root.join(format!("usr/share/doc/{pkg}"));
        assert!(
            doc.join("third-party.md").exists() || doc.join("third-party.md.gz").exists(),
            "{pkg} does not carry the third-party licence list"
        );
    }

    let libdir = root.join("usr/lib").join(multiarch());
    let flags = pkg_config(
        &libdir.join("pkgconfig"),
        Some(&root),
        &["--cflags", "--libs"],
    );
    assert!(
        flags.contains(&format!("-I{}", root.join("usr/include").display())),
        "{flags:?}"
    );
    let shared = tmp.0.join("pkgtest");
    compile(&cc, &shared, &flags, false);
    let dynamic = readelf(&["-d"], &shared);
    assert!(dynamic.contains("[libesx_driver.so.0]"), "{dynamic}");
    let static_flags = pkg_config(
        &libdir.join("pkgconfig"),
        Some(&root),
        &["--static", "--cflags", "--libs"],
    );
    let fully_static = tmp.0.join("pkgtest-static");
    compile(&cc, &fully_static, &static_flags, true);

    let (_sim, uri) = start_sim_program(&root.join("usr/bin/esx-sim"), &tmp.0.join("ds"), None);
    run_pkgtest(&shared, Some(&libdir), &uri);
    run_pkgtest(&fully_static, None, &uri);

    // The packaged esxsh: no RUNPATH (the library is in a system directory).
    let esxsh = root.join("usr/bin/esxsh");
    assert!(!readelf(&["-d"], &esxsh).contains("RUNPATH"));
    let pw = password_file(&tmp.0);
    let out = Command::new(&esxsh)
        .env("LD_LIBRARY_PATH", &libdir)
        .arg("-c")
        .arg(&uri)
        .arg("--password-file")
        .arg(&pw)
        .args(["list", "--all"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("copied-05"), "{stdout}");
}

// ---- manual pages and the API reference ----

#[path = "../examples/apidoc/header.rs"]
mod header;

#[path = "../abi/exports.rs"]
mod exports;

/// A manual page's text with the roff escapes and font macros this project
/// uses removed (the alternating ones, `.BI a b`, join their arguments).
fn roff_text(s: &str) -> String {
    let s: Vec<String> = s
        .lines()
        .map(|l| match l.split_once(' ') {
            Some((".B" | ".I", rest)) => rest.replace('"', ""),
            Some((".BI" | ".BR" | ".IR" | ".RB" | ".IB" | ".RI", rest)) => {
                rest.replace('"', "").split_whitespace().collect::<String>()
            }
            _ => l.to_string(),
        })
        .collect();
    let s = s
        .join("\n")
        .replace("\\fB", "")
        .replace("\\fI", "")
        .replace("\\fR", "")
        .replace("\\fP", "")
        .replace("\\-", "-")
        .replace("\\e", "\\")
        .replace("\\&", "");
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `.TP` entries of a page's section: (tag, description).
fn page_entries(page: &str, section: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_dir().join("man").join(page)).unwrap();
    let start = text
        .find(&format!(".SH {section}\n"))
        .unwrap_or_else(|| panic!("{page} has no {section} section"));
    let body = &text[start..];
    let body = &body[1..];
    let body = &body[..body.find("\n.SH ").map_or(body.len(), |i| i + 1)];
    let mut out = Vec::new();
    let mut lines = body.lines().peekable();
    while let Some(l) = lines.next() {
        if l != ".TP" {
            continue;
        }
        let tag = roff_text(lines.next().unwrap_or(""));
        let mut desc = Vec::new();
        while let Some(next) = lines.peek() {
            if next.starts_with(".TP") || next.starts_with(".SH") || next.starts_with(".PP") {
                break;
            }
            desc.push(lines.next().unwrap().to_string());
        }
        out.push((tag, roff_text(&desc.join(" "))));
    }
    out
}

#[test]
fn esx_sim_help_matches_its_manual_page() {
    let from_table: Vec<(String, String)> = esx_sim::OPTIONS
        .iter()
        .map(|(opt, arg, desc)| {
            let tag = if arg.is_empty() {
                opt.to_string()
            } else {
                format!("{opt} {arg}")
            };
            (tag, desc.to_string())
        })
        .collect();
    assert_eq!(page_entries("esx-sim.1", "OPTIONS"), from_table);
    // The program prints the table, on stdout, and exits 0.
    let sim = target_dir().join("esx-sim");
    let Some(sim) = require("target/.../esx-sim (make)", Some(sim)) else {
        return;
    };
    let out = Command::new(sim).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), esx_sim::help());
    for (tag, desc) in &from_table {
        assert!(
            esx_sim::help().contains(&format!("  {tag:<22}  {desc}\n")),
            "{tag}"
        );
    }
}

#[test]
fn esx_watch_help_matches_its_manual_page() {
    let Some(prog) = common::built_program("esx-watch") else {
        return;
    };
    let out = Command::new(prog)
        .env_remove("LD_LIBRARY_PATH")
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    // "  -c URI   description" lines, a description continued on deeper lines.
    let mut from_help: Vec<(String, String)> = Vec::new();
    for l in help.lines() {
        if let Some(rest) = l.strip_prefix("  -") {
            let (tag, desc) = rest.split_once("  ").unwrap();
            from_help.push((format!("-{tag}"), desc.trim().to_string()));
        } else if l.starts_with("      ") && !from_help.is_empty() {
            let last = from_help.last_mut().unwrap();
            last.1 = format!("{} {}", last.1, l.trim());
        } else if l.starts_with("  ") {
            from_help.push((String::new(), String::new())); // a positional: stops continuation
        }
    }
    from_help.retain(|(t, _)| !t.is_empty());
    assert_eq!(page_entries("esx-watch.1", "OPTIONS"), from_help);
}

/// esx-driver(7) documents exactly the URI parameters the parser knows,
/// and every environment variable the library reads.
#[test]
fn esx_driver_page_covers_uri_parameters_and_environment() {
    let err = esx_driver::uri::parse("esx://host/?no_such_parameter=1")
        .expect_err("an unknown parameter is refused")
        .to_string();
    let known: BTreeSet<String> = err
        .split("(known: ")
        .nth(1)
        .and_then(|k| k.split(')').next())
        .expect("the error lists the known parameters")
        .split(", ")
        .map(str::to_string)
        .collect();
    assert!(known.len() >= 10, "{known:?}");
    let documented: BTreeSet<String> = page_entries("esx-driver.7", "PARAMETERS")
        .into_iter()
        .map(|(tag, _)| tag.split('=').next().unwrap().to_string())
        .collect();
    assert_eq!(documented, known);

    // Environment variables read anywhere in the library's crates.
    let mut read = BTreeSet::new();
    let mut stack = vec![repo_dir().join("src"), repo_dir().join("crates")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("build.rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for pat in ["env::var(\"", "env::var_os(\""] {
                    for part in text.split(pat).skip(1) {
                        read.insert(part.split('"').next().unwrap().to_string());
                    }
                }
            }
        }
    }
    read.remove("OUT_DIR");
    assert!(read.contains("ESX_DRIVER_LOG"), "{read:?}");
    let documented: BTreeSet<String> = page_entries("esx-driver.7", "ENVIRONMENT")
        .into_iter()
        .map(|(tag, _)| tag)
        .collect();
    assert_eq!(documented, read, "esx-driver.7's ENVIRONMENT section");
}

/// Every export has a comment in the header and a page in the API
/// reference; `make doc`'s generator, built here, writes one page per group
/// with each export on exactly one of them.
#[test]
fn api_reference_covers_every_export() {
    let text = std::fs::read_to_string(repo_dir().join("include/esx_driver.h")).unwrap();
    let items = header::parse(&text);
    let exports = exports::header_exports(&text, true);
    assert!(exports.len() > 150);
    for e in &exports {
        let item = items
            .iter()
            .find(|i| &i.name == e && i.kind != header::Kind::Type)
            .unwrap_or_else(|| panic!("{e} not found by the reference's reader"));
        assert!(
            item.doc.trim().len() > 5,
            "{e} has no comment in the header: document it in its Rust source"
        );
    }
    let groups: Vec<&str> = header::GROUPS.iter().map(|g| g.0).collect();
    assert_eq!(
        groups,
        [
            "connection",
            "domains",
            "snapshots",
            "storage",
            "networks",
            "events",
            "streams",
            "errors",
            "typed-parameters"
        ]
    );
    for (name, group) in [
        ("esxConnectOpenAuth", "connection"),
        ("esxDomainCreate", "domains"),
        ("esxDomainInterfaceAddresses", "domains"),
        ("esxDomainSnapshotCreateXML", "snapshots"),
        ("esxStorageVolDownload", "storage"),
        ("esxConnectListAllNetworks", "networks"),
        ("esxInterfaceGetName", "networks"),
        ("esxConnectDomainEventRegisterAny", "events"),
        ("esxStreamRecv", "streams"),
        ("esxGetLastError", "errors"),
        ("esxTypedParamsFree", "typed-parameters"),
    ] {
        assert_eq!(header::group_of(name), group, "{name}");
    }

    let Some(rustc) = require("rustc", which("rustc")) else {
        return;
    };
    let tmp = TempDir::new("apidoc");
    let tool = tmp.0.join("apidoc");
    let st = Command::new(rustc)
        .args(["--edition", "2021", "-o"])
        .arg(&tool)
        .arg(repo_dir().join("examples/apidoc/main.rs"))
        .status()
        .unwrap();
    assert!(st.success());
    let out_dir = tmp.0.join("api");
    let st = Command::new(&tool)
        .arg(repo_dir().join("include/esx_driver.h"))
        .arg(&out_dir)
        .arg(version())
        .status()
        .unwrap();
    assert!(st.success());
    let pages: Vec<String> = groups
        .iter()
        .map(|g| std::fs::read_to_string(out_dir.join(format!("{g}.html"))).unwrap())
        .collect();
    for e in &exports {
        let on = pages
            .iter()
            .filter(|p| p.contains(&format!("<h3 id=\"{e}\">")))
            .count();
        assert_eq!(on, 1, "{e} is on {on} pages");
    }
    let index = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(index.contains("href=\"networks.html\""));
    assert!(pages[1].contains("Symbol version: ESX_DRIVER_"));

    // A header with an undocumented export is refused.
    let bad = tmp.0.join("bad.h");
    std::fs::write(&bad, "int esxUndocumented(void);\n").unwrap();
    let out = Command::new(&tool)
        .arg(&bad)
        .arg(tmp.0.join("bad"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("esxUndocumented"));
}
