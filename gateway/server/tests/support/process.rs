//! A `jiayang serve` child process for the command-line tests: start it on a port it
//! chooses itself, wait until it answers, stop it with SIGTERM; and one-shot `jiayang`
//! commands.

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

/// Runs `jiayang ARGS`, feeding it `stdin` when given, and waits for it.
pub fn jiayang(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        // A command that refuses its arguments exits without reading its input.
        match child.stdin.take().unwrap().write_all(bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.unwrap(),
        }
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// Adds a participant with `jiayang participant add` to the gateway in `data`; its token.
pub fn add_participant(data: &Path, id: &str, kind: &str, name: &str) -> String {
    let added = jiayang(
        &[
            "participant",
            "add",
            "--id",
            id,
            "--kind",
            kind,
            "--name",
            name,
            "--data-dir",
            data.to_str().unwrap(),
        ],
        None,
    );
    assert!(added.status.success(), "{added:?}");
    std::fs::read_to_string(data.join("participants").join(id).join("token"))
        .unwrap()
        .trim()
        .to_owned()
}

/// `jiayang serve` on a port the system chooses, with the environment cleared of
/// settings that would point it elsewhere; add arguments before `launch`.
pub fn serve_command(dir: &Path) -> Command {
    serve_command_via(&[], dir)
}

/// The same, run by another program (`prlimit …`) that then runs the gateway.
pub fn serve_command_via(wrapper: &[&str], dir: &Path) -> Command {
    let binary = env!("CARGO_BIN_EXE_jiayang");
    let mut command = match wrapper {
        [] => Command::new(binary),
        [program, args @ ..] => {
            let mut command = Command::new(program);
            command.args(args).arg(binary);
            command
        }
    };
    command
        .args(["serve", "--data-dir", dir.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("JIAYANG_DATABASE_URL")
        .env_remove("JIAYANG_MASTER_KEY");
    command
}

/// A running `jiayang serve`, its output collected as it comes.
pub struct Served {
    pub child: Child,
    pub port: u16,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

/// `jiayang serve` in `dir` with the defaults.
pub fn start(dir: &Path) -> Served {
    launch(serve_command(dir))
}

/// Spawns `command` (a `serve`, or one wrapped by another program) and waits for its
/// `serving` log line, which names the port it bound; its certificates exist by then.
pub fn launch(mut command: Command) -> Served {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut all = String::new();
        for line in out.lines() {
            let Ok(line) = line else { break };
            if let Some(port) = serving_port(&line) {
                let _ = port_tx.send(port);
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = err.read_to_string(&mut all);
        all
    });
    let Ok(port) = port_rx.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "the gateway did not start: {}",
            stderr.join().unwrap_or_default()
        );
    };
    Served {
        child,
        port,
        stdout,
        stderr,
    }
}

fn serving_port(line: &str) -> Option<u16> {
    let log: serde_json::Value = serde_json::from_str(line).ok()?;
    if log["fields"]["message"] != "serving" {
        return None;
    }
    let listen: std::net::SocketAddr = log["fields"]["listen"].as_str()?.parse().ok()?;
    Some(listen.port())
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// SIGTERM; it must exit cleanly within 20 s. Its stdout and stderr.
    pub fn stop(self) -> (String, String) {
        self.terminate();
        self.exited()
    }

    /// Sends SIGTERM and returns at once: the gateway is draining.
    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Waits for the exit a SIGTERM started: clean, within 20 s. Its stdout and stderr.
    pub fn exited(mut self) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let logs = self.stdout.join().unwrap_or_default();
                let tail: Vec<&str> = logs.lines().rev().take(20).collect();
                panic!("SIGTERM did not stop the gateway; its last logs: {tail:#?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(
            status.success(),
            "the gateway exits cleanly on SIGTERM: {status:?}"
        );
        (self.stdout.join().unwrap(), self.stderr.join().unwrap())
    }

    /// SIGKILL, as a crash.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

pub async fn wait_ready(client: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client
            .get(format!("https://localhost:{port}/readyz"))
            .send()
            .await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the gateway did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A client that trusts the gateway's CA in `data` (written before it serves).
pub fn client_for(data: &Path) -> reqwest::Client {
    let ca = std::fs::read(data.join("tls/ca.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap()
}
