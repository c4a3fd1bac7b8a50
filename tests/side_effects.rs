//! Side effects (issue 14): a scan spawns no process (no `execve`), writes no
//! file anywhere except `--output` and its cache directory, and leaves every
//! byte and mtime of the target unchanged (and every atime of its files and
//! directories, where the mount updates atimes and the scan may read without
//! updating them: as root, or as the owner), as root and as an unprivileged
//! user. Every system call that could spawn or write is recorded with
//! `strace -f` (scripts/test.sh installs it).

mod common;

use common::*;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_hardcheck");
/// Calls that start a program or a process.
const SPAWN: &[&str] = &["execve", "execveat", "fork", "vfork", "clone", "clone3"];
/// Calls that open: a write intent is in their flags.
const OPEN: &[&str] = &["open", "openat", "openat2", "creat"];
/// Calls that change the filesystem whatever their arguments (`?`: a name
/// this strace may not know).
const CHANGE: &str = "rename renameat renameat2 unlink unlinkat rmdir mkdir mkdirat mknod mknodat link linkat \
    symlink symlinkat chmod fchmod fchmodat ?fchmodat2 chown fchown lchown fchownat truncate ftruncate utime utimes \
    utimensat futimesat setxattr lsetxattr fsetxattr removexattr lremovexattr fremovexattr fallocate";
const WRITE_FLAGS: &[&str] = &["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE"];

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// What a traced run did.
#[derive(Debug, Default)]
struct Trace {
    /// Programs executed (`execve`'s path) and processes started.
    spawned: Vec<String>,
    /// Paths written, created, renamed, removed or changed (or tried to be).
    written: Vec<String>,
    /// Paths opened for real (not `O_PATH`): a scan reads through these.
    opened: Vec<String>,
}

/// The `N<path>` annotations `strace -y` gives file descriptors.
fn fd_paths(s: &str) -> Vec<String> {
    s.split('<').skip(1).filter_map(|p| p.split_once('>').map(|(p, _)| p.to_string())).collect()
}

/// The quoted string arguments of a call.
fn strings(args: &str) -> Vec<String> {
    args.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

fn parse_line(line: &str, t: &mut Trace) {
    let Some((name, rest)) = line.split_once('(') else { return };
    let (args, result) = rest.rsplit_once(") = ").unwrap_or((rest, ""));
    let ok = !result.starts_with('-');
    let bare = |list: &[&str]| list.iter().any(|n| n.trim_start_matches('?') == name);
    if bare(SPAWN) {
        let thread = name.starts_with("clone") && args.contains("CLONE_THREAD");
        if ok && !thread {
            t.spawned.push(format!("{name} {}", strings(args).first().cloned().unwrap_or_default()));
        }
    } else if bare(OPEN) {
        // The opened file's path from the result (`= 5</path>`), else the
        // argument, relative to the directory fd when it is relative.
        let path = fd_paths(result).pop().unwrap_or_else(|| {
            let arg = strings(args).first().cloned().unwrap_or_default();
            match fd_paths(args.split(',').next().unwrap_or("")).pop() {
                Some(dir) if !arg.starts_with('/') => format!("{dir}/{arg}"),
                _ => arg,
            }
        });
        if name == "creat" || WRITE_FLAGS.iter().any(|f| args.contains(f)) {
            t.written.push(path);
        } else if ok && !args.contains("O_PATH") {
            t.opened.push(path);
        }
    } else if CHANGE.split_whitespace().any(|n| n.trim_start_matches('?') == name) {
        let mut paths = strings(args);
        paths.extend(fd_paths(args));
        t.written.push(format!("{name} {}", paths.join(" ")));
    }
}

/// Run `program` with `args` under `strace -f`, as `nobody` when
/// `unprivileged`; the trace, and the exit code.
fn traced(program: &str, unprivileged: bool, args: &[OsString], cache: &Path, work: &Path) -> (Trace, i32) {
    let log = work.join(format!("trace-{}", if unprivileged { "nobody" } else { "root" }));
    let mut trace_set: Vec<&str> = SPAWN.to_vec();
    trace_set.extend(OPEN);
    trace_set.extend(CHANGE.split_whitespace());
    let mut cmd = if unprivileged {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "strace"]);
        c
    } else {
        Command::new("strace")
    };
    cmd.args(["-f", "-ff", "--seccomp-bpf", "-y", "-qq", "-s", "4096", "-o"]).arg(&log);
    cmd.arg("-e").arg(format!("trace={}", trace_set.join(",")));
    cmd.arg(program).args(args).env("NO_COLOR", "1").env("XDG_CACHE_HOME", cache);
    let out = cmd.output().expect("strace (scripts/test.sh installs it: apt-get install strace)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(matches!(code, 0 | 1), "traced {program} {args:?} failed ({code}): {stderr}");
    let mut t = Trace::default();
    let prefix = log.file_name().unwrap().to_string_lossy().into_owned();
    for e in std::fs::read_dir(work).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with(&format!("{prefix}.")) {
            for line in std::fs::read_to_string(e.path()).unwrap().lines() {
                parse_line(line, &mut t);
            }
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    (t, code)
}

/// The run executed the binary once and nothing else, wrote only `output`
/// (and under `cache`/hardcheck), and opened none of `special`.
fn assert_clean(t: &Trace, output: &Path, cache: &Path, special: &[PathBuf], what: &str) {
    let bin = format!("execve {BIN}");
    assert_eq!(t.spawned, [bin], "{what}: a process was started or a program run");
    // Writes are recorded as a path, or as `mkdir PATH`, `unlink PATH`,
    // `rename FROM TO`: each path must be the output or in the user's
    // cache directory (which the scan may create).
    let allowed = |w: &String| {
        *w == output.display().to_string()
            || w.split(' ').filter(|p| p.starts_with('/')).all(|p| Path::new(p).starts_with(cache))
                && w.split(' ').any(|p| p.starts_with('/'))
    };
    let bad: Vec<&String> = t.written.iter().filter(|w| !allowed(w)).collect();
    assert!(bad.is_empty(), "{what}: wrote or changed {bad:?}");
    assert!(t.written.contains(&output.display().to_string()), "{what}: the trace misses the --output write");
    for s in special {
        let s = s.display().to_string();
        assert!(!t.opened.contains(&s), "{what}: opened {s}");
    }
    assert!(t.opened.len() > 10, "{what}: the trace shows no reads ({:?})", t.opened);
}

/// Everything about one entry that a scan must not change.
#[derive(Debug, PartialEq, Eq)]
struct State {
    kind: u32,
    mode: u32,
    owner: (u32, u32),
    bytes: Vec<u8>,
    mtime: (i64, i64),
    /// Files and directories only: reading a symlink updates its atime.
    atime: Option<(i64, i64)>,
}

/// Open without updating the atime (the test is root, or owns the tree).
fn open_noatime(path: &Path, dir: bool) -> std::fs::File {
    let flags = libc::O_NOATIME | if dir { libc::O_DIRECTORY } else { 0 };
    std::fs::OpenOptions::new().read(true).custom_flags(flags).open(path).unwrap()
}

/// A directory's entries, read without updating its atime.
fn list(dir: &Path) -> Vec<PathBuf> {
    let fd: std::os::fd::OwnedFd = open_noatime(dir, true).into();
    let entries = rustix::fs::Dir::new(fd).unwrap();
    let mut out = Vec::new();
    for e in entries {
        let name = e.unwrap().file_name().to_bytes().to_vec();
        if name != b"." && name != b".." {
            out.push(dir.join(std::ffi::OsStr::from_bytes(&name)));
        }
    }
    out
}

fn snapshot(dir: &Path, out: &mut BTreeMap<PathBuf, State>) {
    for path in list(dir) {
        let m = std::fs::symlink_metadata(&path).unwrap();
        let ft = m.file_type();
        let mut bytes = Vec::new();
        if ft.is_file() {
            open_noatime(&path, false).read_to_end(&mut bytes).unwrap();
        } else if ft.is_symlink() {
            bytes = std::fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes();
        }
        let atime = (ft.is_file() || ft.is_dir()).then(|| (m.atime(), m.atime_nsec()));
        if ft.is_dir() {
            snapshot(&path, out);
        }
        let state = State {
            kind: m.mode() & 0o170000,
            mode: m.mode() & 0o7777,
            owner: (m.uid(), m.gid()),
            bytes,
            mtime: (m.mtime(), m.mtime_nsec()),
            atime,
        };
        out.insert(path, state);
    }
}

fn state_of(root: &Path) -> BTreeMap<PathBuf, State> {
    let mut s = BTreeMap::new();
    snapshot(root, &mut s);
    s
}

/// Copy every pass fixture into one tree (the first of two same paths wins).
fn merge(from: &Path, to: &Path) {
    match std::fs::symlink_metadata(to) {
        Ok(m) if !m.is_dir() => return,
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(to).unwrap(),
    }
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            merge(&e.path(), &dest);
        } else if std::fs::symlink_metadata(&dest).is_err() {
            if ft.is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &dest).unwrap();
            } else {
                std::fs::copy(e.path(), &dest).unwrap();
            }
        }
    }
}

/// Set every file's and directory's atime an hour before its mtime: with
/// `relatime` (the default mount option) a read then updates it.
fn age_atimes(dir: &Path) {
    for path in list(dir) {
        let m = std::fs::symlink_metadata(&path).unwrap();
        if m.is_dir() {
            age_atimes(&path);
        }
        if m.is_file() || m.is_dir() {
            let ts = |sec: i64, nsec: i64| rustix::fs::Timespec { tv_sec: sec, tv_nsec: nsec };
            let times = rustix::fs::Timestamps {
                last_access: ts(m.mtime() - 3600, m.mtime_nsec()),
                last_modification: ts(m.mtime(), m.mtime_nsec()),
            };
            rustix::fs::utimensat(rustix::fs::CWD, &path, &times, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).unwrap();
        }
    }
}

/// Whether a plain read updates an atime on this mount (not `noatime`), so
/// that comparing atimes means something.
fn reads_update_atime(scratch: &Path) -> bool {
    std::fs::create_dir_all(scratch).unwrap();
    let f = scratch.join("atime-probe");
    std::fs::write(&f, "x").unwrap();
    age_atimes(scratch);
    let before = std::fs::metadata(&f).unwrap().atime();
    std::fs::read(&f).unwrap();
    let after = std::fs::metadata(&f).unwrap().atime();
    before != after
}

fn compare(before: &BTreeMap<PathBuf, State>, after: &BTreeMap<PathBuf, State>, atimes: bool, what: &str) {
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "{what}: entries changed");
    for (path, b) in before {
        let a = &after[path];
        assert_eq!((b.kind, b.mode, b.owner), (a.kind, a.mode, a.owner), "{what}: {} changed", path.display());
        assert!(b.bytes == a.bytes, "{what}: the bytes of {} changed", path.display());
        assert_eq!(b.mtime, a.mtime, "{what}: the mtime of {} changed", path.display());
        if atimes {
            assert_eq!(b.atime, a.atime, "{what}: the atime of {} changed", path.display());
        }
    }
}

#[test]
fn a_scan_spawns_nothing_writes_only_its_output_and_changes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    std::fs::set_permissions(w, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let (root, cache, output) = (w.join("root"), w.join("cache"), w.join("report.json"));
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::set_permissions(&cache, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    for d in std::fs::read_dir(fixtures()).unwrap().flatten() {
        for check in std::fs::read_dir(d.path()).unwrap().flatten() {
            for scenario in std::fs::read_dir(check.path().join("pass")).into_iter().flatten().flatten() {
                if scenario.path().is_dir() {
                    merge(&scenario.path(), &root);
                }
            }
        }
    }
    // Entries a scan must never open, where it reads every `*.conf`: a FIFO,
    // a socket, and (as root) a device.
    let mut special = vec![root.join("etc/sysctl.d/50-fifo.conf"), root.join("etc/modprobe.d/socket.conf")];
    for dir in ["etc/sysctl.d", "etc/modprobe.d"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    assert!(Command::new("mkfifo").arg(&special[0]).status().unwrap().success());
    let _socket = std::os::unix::net::UnixListener::bind(&special[1]).unwrap();
    if is_root() {
        let dev = root.join("etc/sysctl.d/60-device.conf");
        let null = rustix::fs::makedev(1, 3);
        rustix::fs::mknodat(rustix::fs::CWD, &dev, rustix::fs::FileType::CharacterDevice, 0o666.into(), null).unwrap();
        special.push(dev);
    }
    age_atimes(&root);
    let atimes = reads_update_atime(&w.join("scratch"));
    if !atimes {
        eprintln!("note: reads do not update atimes on this mount (noatime): atimes are not compared");
    }

    let out = output.to_str().unwrap();
    let runs: &[bool] = if is_root() { &[false, true] } else { &[false] };
    for &unprivileged in runs {
        let who = if unprivileged { "nobody" } else { "this user" };
        let before = state_of(&root);
        let args = os(&["scan", "--root", root.to_str().unwrap(), "--format", "json", "--output", out]);
        let (t, _) = traced(BIN, unprivileged, &args, &cache, w);
        assert_clean(&t, &output, &cache, &special, &format!("--root scan as {who}"));
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
        assert!(report["results"].as_array().unwrap().len() > 100);
        // The scan did look for them (and said why it did not read them).
        for s in &special {
            let inside = format!("/{}", s.strip_prefix(&root).unwrap().display());
            let skipped = report["skipped"].as_array().unwrap().iter().find(|e| e["path"] == inside.as_str());
            assert!(skipped.is_some_and(|e| e["reason"].as_str().unwrap().contains("not a regular file")), "{inside}");
        }
        // As root or as the tree's owner, reads are O_NOATIME; as nobody, of
        // files it does not own, the kernel refuses O_NOATIME and updates
        // atimes (not compared).
        compare(&before, &state_of(&root), atimes && !unprivileged, &format!("--root scan as {who}"));
        std::fs::remove_file(&output).unwrap();

        // The live host: `--no-probe`, the machine's services are not the test's to connect to.
        let args = os(&["scan", "--no-probe", "--format", "json", "--output", out]);
        let (t, _) = traced(BIN, unprivileged, &args, &cache, w);
        assert_clean(&t, &output, &cache, &[], &format!("live scan as {who}"));
        std::fs::remove_file(&output).unwrap();
    }
}

/// The trace sees what it must catch: a shell that writes a file, makes a
/// directory and runs another program.
#[test]
fn the_trace_catches_spawns_and_writes() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let script = format!("echo x > {0}/out; mkdir {0}/d; cat {0}/out > /dev/null; true", w.display());
    let (t, code) = traced("/bin/sh", false, &os(&["-c", &script]), w, w);
    assert_eq!(code, 0);
    assert!(t.spawned.iter().filter(|s| s.starts_with("execve")).count() >= 2, "{:?}", t.spawned);
    assert!(t.written.contains(&w.join("out").display().to_string()), "{:?}", t.written);
    assert!(t.written.iter().any(|x| x.starts_with("mkdir") && x.ends_with("/d")), "{:?}", t.written);
    assert!(t.opened.contains(&w.join("out").display().to_string()), "{:?}", t.opened);
}
