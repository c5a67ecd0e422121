// SPDX-License-Identifier: LGPL-2.1-or-later
//! Datastore files over HTTP: `/folder/<path>?dcPath=ha-datacenter&dsName=<ds>`.

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
    if let Some(crate::server::FaultKind::Ignore) = sh.take_fault(&what) {
        return Response::text(200, "");
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
        let vm = w
            .vms
            .values()
            .find(|v| v.datastore == ds && format!("{}/{}", v.directory, v.vmx_name) == rel)
            .cloned();
        if let Some(vm) = vm {
            w.ensure_vmx(&vm);
        }
    }
    drop(w);
    match req.method.as_str() {
        "GET" | "HEAD" => match std::fs::File::open(&path) {
            Ok(f) if path.is_file() => {
                let size = f.metadata().map(|m| m.len()).unwrap_or(0);
                if req.method == "HEAD" {
                    return Response::new(200, "application/octet-stream", Vec::new())
                        .with_header("X-Content-Length", &size.to_string());
                }
                match range(req.header("range"), size) {
                    None => Response::file(200, f, 0, size),
                    Some(Ok((start, end))) => Response::file(206, f, start, end + 1 - start)
                        .with_header("Content-Range", &format!("bytes {start}-{end}/{size}")),
                    Some(Err(())) => Response::text(416, "416 Range Not Satisfiable")
                        .with_header("Content-Range", &format!("bytes */{size}")),
                }
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
