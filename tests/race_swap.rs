//! A tree changed while it is scanned (a running container's rootfs scanned
//! from the host) never leads a read outside the root: a thread swaps
//! `etc/ssh` between the real directory and a symlink to a host directory
//! with `renameat2(RENAME_EXCHANGE)` in a tight loop while the real binary
//! scans the root again and again. The host directory holds an sshd config
//! whose values are a canary; no report may ever contain it.

mod common;

use common::*;
use rustix::fs::{renameat_with, RenameFlags, CWD};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const CANARY: &str = "hardcheck-host-canary";
/// Drop-ins under etc/ssh/sshd_config.d: every file read under etc/ssh is a
/// chance for the race (sshd reads at most 256 files).
const DROP_INS: usize = 250;
/// Scans per worker thread (two workers; the swapper takes a third thread).
const SCANS_PER_WORKER: usize = 15;

/// One scan of the ssh checks through the real binary; its stdout.
fn scan(root: &Path, format: &str) -> String {
    let out =
        bin().arg("scan").arg("--root").arg(root).args(["--check", "ssh.*", "--format", format]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 1)), "scan failed: {stderr}");
    assert!(!stderr.contains(CANARY), "a host file outside the root was read: {stderr}");
    stdout
}

/// An sshd config directory: `sshd_config` (its own text, then an `Include`
/// of the drop-ins) and [`DROP_INS`] drop-ins with the same text each.
fn ssh_dir(dir: &Path, main: &str, drop_in: &str) {
    std::fs::create_dir_all(dir.join("sshd_config.d")).unwrap();
    std::fs::write(dir.join("sshd_config"), format!("{main}Include /etc/ssh/sshd_config.d/*.conf\n")).unwrap();
    for i in 0..DROP_INS {
        std::fs::write(dir.join(format!("sshd_config.d/{i:03}.conf")), drop_in).unwrap();
    }
}

#[test]
fn swapping_a_directory_for_a_host_symlink_never_reads_outside_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let ssh = root.join("etc/ssh");
    ssh_dir(&ssh, "MaxAuthTries 3\n", "X11Forwarding no\n");
    // The host directory: the same names, each setting a canary value that
    // sshd would take (first value wins, and no file inside the root sets it).
    let host = dir.path().join("host");
    let canary = format!("PermitRootLogin {CANARY}\n");
    ssh_dir(&host, &canary, &canary);
    // The same files as a root of their own: the canary does show in a report
    // when any of them is read (so its absence below means something).
    for (name, main, drop_in) in [("main", canary.as_str(), ""), ("drop-in", "", canary.as_str())] {
        let canary_root = dir.path().join(name);
        ssh_dir(&canary_root.join("etc/ssh"), main, drop_in);
        for format in ["json", "table"] {
            assert!(scan(&canary_root, format).contains(CANARY), "{name} {format}");
        }
    }

    // etc/ssh-swap: an absolute symlink to the host directory, exchanged with
    // etc/ssh. Resolved inside the root, as it must be, it leads to a copy of
    // the real directory (MaxAuthTries 10 tells it apart): scans go on to the
    // drop-ins whichever way they find etc/ssh, so that every file read is a
    // chance for the race.
    let swap = root.join("etc/ssh-swap");
    std::os::unix::fs::symlink(&host, &swap).unwrap();
    ssh_dir(&root.join(host.strip_prefix("/").unwrap()), "MaxAuthTries 10\n", "X11Forwarding no\n");

    let stop = AtomicBool::new(false);
    let swaps = AtomicUsize::new(0);
    let (real_seen, link_seen) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                renameat_with(CWD, &ssh, CWD, &swap, RenameFlags::EXCHANGE).expect("renameat2(RENAME_EXCHANGE)");
                swaps.fetch_add(1, Ordering::Relaxed);
            }
        });
        let (root, real_seen, link_seen) = (&root, &real_seen, &link_seen);
        let workers: Vec<_> = (0..2)
            .map(|w| {
                s.spawn(move || {
                    for i in 0..SCANS_PER_WORKER {
                        // One table run per worker: every format must hold.
                        let format = if i == w { "table" } else { "json" };
                        let out = scan(root, format);
                        assert!(!out.contains(CANARY), "a host file outside the root was read ({format}):\n{out}");
                        if format == "json" {
                            let report: serde_json::Value = serde_json::from_str(&out).unwrap();
                            let r = result(&report, "ssh.max-auth-tries");
                            let counter = if r["status"] == "pass" { real_seen } else { link_seen };
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        let outcome: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        stop.store(true, Ordering::Relaxed);
        for o in outcome {
            if let Err(panic) = o {
                std::panic::resume_unwind(panic);
            }
        }
    });
    // The race was run: the swapper kept swapping during the scans, and scans
    // saw both the real directory and the symlink (its in-root copy).
    let (swaps, real, link) = (swaps.into_inner(), real_seen.into_inner(), link_seen.into_inner());
    assert!(swaps > 2 * SCANS_PER_WORKER, "only {swaps} swaps");
    assert!(real > 0 && link > 0, "scans saw the real config {real} times and the symlink {link} times");
}
