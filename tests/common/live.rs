//! Real servers for the live tests: free loopback ports, required programs,
//! a child process stopped on drop, waiting until a server is ready.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A loopback TCP port free at the time of the call.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `path`, which the Debian package `package` installs; a missing program
/// fails the test with what to install (scripts/test.sh installs it).
pub fn need(path: &str, package: &str) -> PathBuf {
    let p = PathBuf::from(path);
    assert!(p.exists(), "{path} is missing: install the Debian package `{package}` (scripts/test.sh does)");
    p
}

/// A server process (and the directory it runs in), stopped with `signal`
/// on drop, killed when it has not exited 15 s later.
pub struct Running {
    pub child: Child,
    signal: &'static str,
    _dir: Option<tempfile::TempDir>,
    log: Option<PathBuf>,
}

impl Running {
    /// A process that is killed outright on drop.
    pub fn new(child: Child) -> Self {
        Running { child, signal: "KILL", _dir: None, log: None }
    }

    /// A server with its own directory and log, stopped with `signal`
    /// (`TERM`, or `INT` for PostgreSQL's fast shutdown).
    pub fn server(child: Child, signal: &'static str, dir: tempfile::TempDir, log: PathBuf) -> Self {
        Running { child, signal, _dir: Some(dir), log: Some(log) }
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        self.log.as_ref().and_then(|l| std::fs::read_to_string(l).ok()).unwrap_or_default()
    }

    /// Wait up to `limit` for `ready`; fail with the log when the process
    /// exits or the time runs out.
    pub fn wait_ready(&mut self, what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if ready() {
                return;
            }
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("{what} exited ({st}):\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{what} not ready within {limit:?}:\n{}", self.log());
    }

    /// Wait until the server accepts TCP connections on loopback `port`.
    pub fn wait_listening(&mut self, what: &str, port: u16, limit: Duration) {
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        self.wait_ready(what, limit, || TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok());
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.signal != "KILL" {
            let _ = Command::new("kill").arg(format!("-{}", self.signal)).arg(self.child.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `cmd` to its end; fail the test with its output unless it succeeds.
pub fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
