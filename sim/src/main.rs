// SPDX-License-Identifier: LGPL-2.1-or-later
//! esx-sim: the VI API simulator as a program (see the library, lib.rs).
//!
//! `esx-sim [--port N] [--vms N] [--user U] [--password P] [--http | --cert F --key F]
//!  [--session-timeout SECS] [--task-ms MS] [--inventory FILE] [--datastore-dir DIR]
//!  [--sparse] [--vm-moref N|vm-N]` (`--help`: esx_sim::OPTIONS; man/esx-sim.1)
//!
//! The first line on stdout is `esx-sim listening on <scheme>://127.0.0.1:<port>/sdk`.

use std::io::Write;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

fn run() -> Result<(), String> {
    // --help and --version answer on stdout and exit 0, whatever else is
    // given (as GNU programs do).
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{}", esx_sim::help());
                return Ok(());
            }
            "--version" => {
                println!("esx-sim {}", env!("CARGO_PKG_VERSION"));
                return Ok(());
            }
            _ => {}
        }
    }
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("ESX_SIM_LOG", "warn"))
        .format_timestamp_micros()
        .init();
    // The program listens on 443 unless told otherwise; a later --port wins.
    let args = ["--port".to_string(), "443".to_string()]
        .into_iter()
        .chain(std::env::args().skip(1));
    let sim = esx_sim::Builder::from_args(args)?.start()?;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "esx-sim listening on {}", sim.url());
    let (sha1, sha256) = sim.thumbprints();
    if !sha1.is_empty() {
        let _ = writeln!(out, "thumbprint sha1 {sha1}");
        let _ = writeln!(out, "thumbprint sha256 {sha256}");
    }
    let _ = writeln!(out, "datastore-dir {}", sim.datastore_dir().display());
    let _ = out.flush();
    let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(|e| e.to_string())?;
    signals.forever().next();
    drop(sim);
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("esx-sim: {e}");
        std::process::exit(2);
    }
}
