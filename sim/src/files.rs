//! Datastore files over HTTP: `/folder/<path>?dcPath=ha-datacenter&dsName=<ds>`.

use crate::http::{decode, Request, Response};
use crate::server::Shared;
use crate::world::DATACENTER;

pub fn handle(sh: &Shared, req: &Request, cookie: Option<String>) -> Response {
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
    match req.method.as_str() {
        "GET" | "HEAD" => match std::fs::read(&path) {
            Ok(data) if path.is_file() => {
                let body = if req.method == "HEAD" {
                    Vec::new()
                } else {
                    data
                };
                Response::new(200, "application/octet-stream", body)
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
            match std::fs::write(&path, &req.body) {
                Ok(()) => Response::text(if existed { 200 } else { 201 }, ""),
                Err(e) => Response::text(500, format!("500 cannot write: {e}")),
            }
        }
        "DELETE" => match std::fs::remove_file(&path) {
            Ok(()) => Response::text(204, ""),
            Err(_) => Response::text(404, "404 Not Found"),
        },
        _ => Response::text(405, "405 Method Not Allowed"),
    }
}
