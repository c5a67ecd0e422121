// SPDX-License-Identifier: LGPL-2.1-or-later
//! Datastore files over HTTP: `/folder/<path>?dcPath=ha-datacenter&dsName=<ds>`.

use std::io::Write;

use crate::http::{decode, Request, Response};
use crate::server::Shared;
use crate::world::DATACENTER;

pub fn handle(sh: &Shared, req: &Request, cookie: Option<String>) -> Response {
    handle_body(sh, req, cookie, &mut std::io::Cursor::new(&req.body))
}

/// As `handle`, the body of a PUT read from `body` as it arrives, so that
/// uploads of any size take no memory.
pub fn handle_body(
    sh: &Shared,
    req: &Request,
    cookie: Option<String>,
    body: &mut dyn std::io::Read,
) -> Response {
    let what = format!("{} /folder", req.method);
    sh.count(&what);
    let mut hold = false;
    match sh.take_fault(&what) {
        Some(crate::server::FaultKind::Ignore) => return Response::text(200, ""),
        // A host that takes the whole body, then never answers (until the
        // test releases it).
        Some(crate::server::FaultKind::Hold) => hold = true,
        Some(crate::server::FaultKind::Http503) => {
            let _ = std::io::copy(body, &mut std::io::sink());
            return Response::text(503, "503 Service Unavailable: hostd is restarting");
        }
        _ => {}
    }
    let mut w = sh.lock();
    if cookie
        .as_deref()
        .and_then(|c| w.session_for_cookie(c))
        .is_none()
    {
        return Response::text(401, "401 Unauthorized: no valid vmware_soap_session cookie");
    }
    let rel = decode(
        req.path
            .trim_start_matches("/folder")
            .trim_start_matches('/'),
        false,
    );
    let dc = req.param("dcPath").unwrap_or_default();
    let Some(ds) = req.param("dsName") else {
        return Response::text(404, "404 Not Found: dsName is missing");
    };
    if dc != DATACENTER {
        return Response::text(404, format!("404 Not Found: no datacenter '{dc}'"));
    }
    let Some(path) = w.ds_file(&ds, &rel) else {
        return Response::text(404, format!("404 Not Found: no file '[{ds}] {rel}'"));
    };
    // .vmx files of large inventories are written on first read.
    if !path.exists() {
        if let Some(vm) = w
            .vms()
            .find(|v| v.datastore == ds && format!("{}/{}", v.directory, v.vmx_name) == rel)
        {
            w.ensure_vmx(vm);
        }
    }
    let modes = w.host_modes.clone();
    drop(w);
    if hold {
        // The body is taken and dropped; once released the host answers
        // that it gave up (it never writes the file: a test that held it
        // can check that nothing was left).
        let _ = std::io::copy(body, &mut std::io::sink());
        sh.hold();
        if req.method == "PUT" {
            return Response::text(500, "500 the upload was abandoned");
        }
    }
    match req.method.as_str() {
        "GET" | "HEAD" => match std::fs::File::open(&path) {
            Ok(f) if path.is_file() => {
                let size = f.metadata().map(|m| m.len()).unwrap_or(0);
                if req.method == "HEAD" {
                    return Response::new(200, "application/octet-stream", Vec::new())
                        .with_header("X-Content-Length", &size.to_string());
                }
                let asked = if modes.ignore_range {
                    None
                } else {
                    range(req.header("range"), size)
                };
                let mut r = match asked {
                    None => Response::file(200, f, 0, size),
                    Some(Ok((start, end))) => Response::file(206, f, start, end + 1 - start)
                        .with_header("Content-Range", &format!("bytes {start}-{end}/{size}")),
                    Some(Err(())) => {
                        return Response::text(416, "416 Range Not Satisfiable")
                            .with_header("Content-Range", &format!("bytes */{size}"))
                    }
                };
                r.close_delimited = modes.close_delimited;
                r.cut_after = modes.cut_after;
                r.stall_after = modes.stall_after.map(|n| (n, sh.gate.clone()));
                r
            }
            _ => Response::text(404, format!("404 Not Found: no file '[{ds}] {rel}'")),
        },
        "PUT" => {
            let Some(parent) = path.parent() else {
                return Response::text(404, "404 Not Found");
            };
            if !parent.is_dir() {
                return Response::text(
                    404,
                    format!("404 Not Found: the directory of '[{ds}] {rel}' does not exist"),
                );
            }
            let existed = path.exists();
            if modes.put_in_place {
                // As the body arrives, over the old contents (govmomi's
                // simulator does this): a cut transfer leaves a prefix.
                let written = std::fs::File::create(&path).and_then(|mut f| {
                    let mut buf = vec![0u8; 256 * 1024];
                    loop {
                        let n = body.read(&mut buf)?;
                        if n == 0 {
                            return Ok(());
                        }
                        f.write_all(&buf[..n])?;
                    }
                });
                return match written {
                    Ok(()) => Response::text(if existed { 200 } else { 201 }, ""),
                    Err(e) => Response::text(500, format!("500 cannot write: {e}")),
                };
            }
            // Written beside the file and renamed over it when the body is
            // complete: a transfer cut off leaves the old file as it was.
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let partial = parent.join(format!(".{}.partial", name.unwrap_or_default()));
            let written = std::fs::File::create(&partial)
                .and_then(|mut f| std::io::copy(body, &mut f))
                .and_then(|_| std::fs::rename(&partial, &path));
            match written {
                Ok(()) => Response::text(if existed { 200 } else { 201 }, ""),
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    Response::text(500, format!("500 cannot write: {e}"))
                }
            }
        }
        "DELETE" => match std::fs::remove_file(&path) {
            Ok(()) => Response::text(204, ""),
            Err(_) => Response::text(404, "404 Not Found"),
        },
        _ => Response::text(405, "405 Method Not Allowed"),
    }
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` of a file of `size` bytes: None for
/// no (or an unsupported) range, Err for one outside the file.
fn range(header: Option<&str>, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = header?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (size.saturating_sub(n), size.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, size.checked_sub(1)?),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.min(size.saturating_sub(1)),
        ),
    };
    Some(if start > end || start >= size {
        Err(())
    } else {
        Ok((start, end))
    })
}
