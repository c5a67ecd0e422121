//! The service instance and its managers: the session manager, the task
//! and view managers, the default property collector, the search index,
//! the file manager and the datastore browser. They keep no state of their
//! own: what they show is read from the world.

use std::time::SystemTime;

use esx_vi::vim25::{self, AboutInfo, Capability, ServiceContent, UserSession};
use esx_vi::MoRef;

use super::Computed;
use crate::clock::format_datetime;
use crate::world::{Session, World};

pub const PRODUCT_VERSION: &str = "7.0.3";
pub const API_VERSION: &str = "7.0.3.0";
pub const BUILD: &str = "21930508";

/// The host's AboutInfo.
pub fn about() -> AboutInfo {
    AboutInfo {
        name: "VMware ESXi".into(),
        full_name: format!("VMware ESXi {PRODUCT_VERSION} build-{BUILD} (esx-sim)"),
        vendor: "VMware, Inc.".into(),
        version: PRODUCT_VERSION.into(),
        build: BUILD.into(),
        locale_version: Some("INTL".into()),
        locale_build: Some("000".into()),
        os_type: "vmnix-x86".into(),
        product_line_id: "embeddedEsx".into(),
        api_type: "HostAgent".into(),
        api_version: API_VERSION.into(),
        instance_uuid: Some("52a0f3b1-6c1d-4e2f-9a8b-7c6d5e4f3a2b".into()),
        license_product_name: Some("VMware ESX Server".into()),
        license_product_version: Some("7.0".into()),
    }
}

pub fn service_content() -> ServiceContent {
    let m = |k: &str, id: &str| Some(MoRef::new(k, id));
    ServiceContent {
        root_folder: MoRef::new("Folder", "ha-folder-root"),
        property_collector: MoRef::new("PropertyCollector", "ha-property-collector"),
        view_manager: m("ViewManager", "ViewManager"),
        about: about(),
        setting: m("OptionManager", "HostAgentSettings"),
        user_directory: m("UserDirectory", "ha-user-directory"),
        session_manager: m("SessionManager", "ha-sessionmgr"),
        authorization_manager: m("AuthorizationManager", "ha-authmgr"),
        perf_manager: m("PerformanceManager", "ha-perfmgr"),
        event_manager: m("EventManager", "ha-eventmgr"),
        task_manager: m("TaskManager", "ha-taskmgr"),
        account_manager: m("HostLocalAccountManager", "ha-localacctmgr"),
        diagnostic_manager: m("DiagnosticManager", "ha-diagnosticmgr"),
        license_manager: m("LicenseManager", "ha-license-manager"),
        search_index: m("SearchIndex", "ha-searchindex"),
        file_manager: m("FileManager", "ha-nfc-file-manager"),
        virtual_disk_manager: m("VirtualDiskManager", "ha-vdiskmanager"),
        ovf_manager: m("OvfManager", "ha-ovf-manager"),
        dv_switch_manager: m("DistributedVirtualSwitchManager", "ha-dvsmanager"),
        localization_manager: m("LocalizationManager", "ha-l10n-manager"),
        storage_resource_manager: m("StorageResourceManager", "ha-storage-resource-manager"),
    }
}

/// A session as Login returns it and the session manager lists it.
pub fn user_session(sess: &Session) -> UserSession {
    UserSession {
        key: sess.key.clone(),
        user_name: sess.user.clone(),
        full_name: if sess.user == "root" {
            "Administrator".to_string()
        } else {
            sess.user.clone()
        },
        login_time: format_datetime(sess.login_time),
        last_active_time: format_datetime(sess.last_active_time),
        locale: "en".into(),
        message_locale: "en".into(),
    }
}

fn service_instance(_: &World, _: &MoRef) -> vim25::ServiceInstance {
    vim25::ServiceInstance {
        server_clock: format_datetime(SystemTime::now()),
        capability: Capability {
            provisioning_supported: false,
            multi_host_supported: false,
            user_shell_access_supported: true,
        },
        content: service_content(),
    }
}

fn session_manager(w: &World, _: &MoRef) -> vim25::SessionManager {
    vim25::SessionManager {
        session_list: w.sessions.values().map(user_session).collect(),
        current_session: w
            .current_session
            .as_ref()
            .and_then(|k| w.sessions.values().find(|s| &s.key == k))
            .map(user_session),
        message: Some(String::new()),
        default_locale: "en".into(),
    }
}

fn task_manager(w: &World, _: &MoRef) -> vim25::TaskManager {
    let tasks: Vec<&MoRef> = w.objects.morefs("Task").collect();
    vim25::TaskManager {
        recent_task: tasks[tasks.len().saturating_sub(200)..]
            .iter()
            .map(|m| (*m).clone())
            .collect(),
    }
}

fn view_manager(w: &World, _: &MoRef) -> vim25::ViewManager {
    vim25::ViewManager {
        view_list: w.objects.morefs("ContainerView").cloned().collect(),
    }
}

fn property_collector(w: &World, me: &MoRef) -> vim25::PropertyCollector {
    vim25::PropertyCollector {
        filter: crate::collector::filters_of(w, &me.value),
    }
}

fn datastore_browser(w: &World, _: &MoRef) -> vim25::HostDatastoreBrowser {
    vim25::HostDatastoreBrowser {
        datastore: w.datastores().map(|d| d.moref.clone()).collect(),
    }
}

pub fn register(w: &mut World) {
    let o = &mut w.objects;
    o.register(Computed::new(
        "ServiceInstance",
        "ServiceInstance",
        service_instance,
    ));
    o.register(Computed::new(
        "SessionManager",
        "ha-sessionmgr",
        session_manager,
    ));
    o.register(Computed::new("TaskManager", "ha-taskmgr", task_manager));
    o.register(Computed::new("ViewManager", "ViewManager", view_manager));
    o.register(Computed::new(
        "PropertyCollector",
        "ha-property-collector",
        property_collector,
    ));
    o.register(Computed::new(
        "HostDatastoreBrowser",
        "ha-host-datastorebrowser",
        datastore_browser,
    ));
    o.register(Computed::new("SearchIndex", "ha-searchindex", |_, _| {
        vim25::SearchIndex::default()
    }));
    o.register(Computed::new(
        "FileManager",
        "ha-nfc-file-manager",
        |_, _| vim25::FileManager::default(),
    ));
}
