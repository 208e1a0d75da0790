//! The configuration file: `jiayang.toml` in the data directory (or `--config FILE`).
//! Everything in it has a default, so the file is optional; a file that is there must
//! parse, and an unknown key or a value out of range stops the gateway with a message
//! naming the key.

use std::path::{Path, PathBuf};

use std::time::Duration;

use jiayang_domain::{
    verification::Thresholds,
    webhooks::{Dispatch, Policy},
};
use serde::Deserialize;

/// What the file may set.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// DESIGN §5's thresholds.
    pub verification: Thresholds,
    pub webhooks: Webhooks,
    pub connections: Connections,
    pub audit: Audit,
}

/// How often the audit chain's head is signed and published.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Audit {
    /// Seconds between checkpoints while the chain grows (one is also signed at
    /// shutdown). Shorter leaves less of the log unanchored; each is one event for every
    /// participant.
    pub checkpoint_every_seconds: u64,
}

impl Default for Audit {
    fn default() -> Self {
        Self {
            checkpoint_every_seconds: 60,
        }
    }
}

impl Audit {
    pub fn checkpoint_every(&self) -> Duration {
        Duration::from_secs(self.checkpoint_every_seconds)
    }

    fn check(&self) -> Result<(), String> {
        if !(1..=86_400).contains(&self.checkpoint_every_seconds) {
            return Err("audit.checkpoint_every_seconds is between 1 and 86400".into());
        }
        Ok(())
    }
}

/// How many connections the port holds and how long a slow one is waited for.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Connections {
    /// In all (lowered to what the descriptor limit allows).
    pub max: usize,
    /// From one client address.
    pub max_per_address: usize,
    /// Concurrent requests on one HTTP/2 connection.
    pub max_streams: u32,
    /// How long a connection may take to send its first complete request head.
    pub first_request_timeout_seconds: u64,
    /// How long an HTTP/1.1 request head may take, and a kept-alive connection idle.
    pub header_read_timeout_seconds: u64,
}

impl Default for Connections {
    fn default() -> Self {
        Self {
            max: 8192,
            max_per_address: 256,
            max_streams: 100,
            first_request_timeout_seconds: 10,
            header_read_timeout_seconds: 30,
        }
    }
}

impl Connections {
    pub fn limits(&self) -> crate::connections::Limits {
        crate::connections::Limits {
            total: self.max,
            per_address: self.max_per_address,
        }
    }

    pub fn first_request_timeout(&self) -> Duration {
        Duration::from_secs(self.first_request_timeout_seconds)
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_seconds)
    }

    fn check(&self) -> Result<(), String> {
        if self.max == 0 || self.max_per_address == 0 {
            return Err("connections.max and connections.max_per_address are at least 1".into());
        }
        if !(1..=10_000).contains(&self.max_streams) {
            return Err("connections.max_streams is between 1 and 10000".into());
        }
        if !(1..=300).contains(&self.first_request_timeout_seconds) {
            return Err("connections.first_request_timeout_seconds is between 1 and 300".into());
        }
        if !(1..=300).contains(&self.header_read_timeout_seconds) {
            return Err("connections.header_read_timeout_seconds is between 1 and 300".into());
        }
        Ok(())
    }
}

/// Where webhooks may go and how they are retried.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Webhooks {
    /// Development only: plain http, and this machine, as targets.
    pub allow_insecure: bool,
    /// Private, link-local and shared address ranges as targets.
    pub allow_private_networks: bool,
    /// How long one attempt may take.
    pub timeout_seconds: u64,
    /// The delay before each attempt; as many attempts as delays.
    pub retry_schedule_seconds: Vec<u64>,
    /// How long a node's claim on an endpoint lasts unless renewed.
    pub lease_seconds: u64,
}

impl Default for Webhooks {
    fn default() -> Self {
        let dispatch = Dispatch::default();
        Self {
            allow_insecure: false,
            allow_private_networks: false,
            timeout_seconds: 15,
            retry_schedule_seconds: dispatch.schedule.iter().map(Duration::as_secs).collect(),
            lease_seconds: dispatch.lease.as_secs(),
        }
    }
}

impl Webhooks {
    pub fn policy(&self) -> Policy {
        Policy {
            allow_insecure: self.allow_insecure,
            allow_private_networks: self.allow_private_networks,
        }
    }

    pub fn dispatch(&self) -> Dispatch {
        Dispatch {
            schedule: self
                .retry_schedule_seconds
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            lease: Duration::from_secs(self.lease_seconds),
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }

    /// A value out of range, named by its key.
    fn check(&self) -> Result<(), String> {
        if !(1..=60).contains(&self.timeout_seconds) {
            return Err("webhooks.timeout_seconds is between 1 and 60".into());
        }
        if self.retry_schedule_seconds.is_empty() || self.retry_schedule_seconds.len() > 20 {
            return Err("webhooks.retry_schedule_seconds holds 1 to 20 delays".into());
        }
        // A lease must outlast an attempt, or two nodes could send one delivery at once.
        if self.lease_seconds < self.timeout_seconds + 5 {
            return Err("webhooks.lease_seconds is at least timeout_seconds + 5".into());
        }
        Ok(())
    }
}

/// The file `jiayang serve` reads when `--config` does not name one.
pub fn default_path(data_dir: &Path) -> PathBuf {
    data_dir.join("jiayang.toml")
}

/// The settings in `path` (`required`: it was named, so it must exist); the defaults
/// when an unnamed file is absent. The error names the file and what is wrong in it.
pub fn load(path: &Path, required: bool) -> Result<Settings, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Settings::default());
        }
        Err(error) => return Err(format!("{}: {error}", path.display())),
    };
    let settings: Settings =
        toml::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    settings
        .verification
        .check()
        .and_then(|()| settings.webhooks.check())
        .and_then(|()| settings.connections.check())
        .and_then(|()| settings.audit.check())
        .map_err(|message| format!("{}: {message}", path.display()))?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Settings, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jiayang.toml");
        std::fs::write(&path, text).unwrap();
        load(&path, true)
    }

    #[test]
    fn an_absent_file_is_the_defaults_unless_it_was_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = default_path(dir.path());
        assert_eq!(load(&path, false), Ok(Settings::default()));
        assert!(load(&path, true).unwrap_err().contains("jiayang.toml"));
    }

    #[test]
    fn a_threshold_set_in_the_file_replaces_only_its_default() {
        let settings = parsed("[verification]\ngeo_max_meters = 500\n").unwrap();
        assert_eq!(settings.verification.geo_max_meters, 500.0);
        assert_eq!(settings.verification.late_submission_hours, 72);
        assert_eq!(settings.webhooks, Webhooks::default());
    }

    #[test]
    fn webhook_defaults_are_the_issue_s_schedule() {
        let webhooks = Webhooks::default();
        assert_eq!(
            webhooks.retry_schedule_seconds,
            [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
        );
        assert_eq!((webhooks.timeout_seconds, webhooks.lease_seconds), (15, 30));
        let set = parsed("[webhooks]\nallow_insecure = true\nretry_schedule_seconds = [0, 1]\n")
            .unwrap()
            .webhooks;
        assert!(set.policy().allow_insecure);
        assert_eq!(set.dispatch().schedule.len(), 2);
    }

    #[test]
    fn a_bad_file_names_the_key() {
        let unknown = parsed("[verification]\ngeo_max_metres = 500\n").unwrap_err();
        assert!(unknown.contains("geo_max_metres"), "{unknown}");
        let wrong_type = parsed("[verification]\nlate_submission_hours = \"soon\"\n").unwrap_err();
        assert!(wrong_type.contains("late_submission_hours"), "{wrong_type}");
        let out_of_range = parsed("[verification]\nduplicate_window_minutes = 0\n").unwrap_err();
        assert!(
            out_of_range.contains("verification.duplicate_window_minutes"),
            "{out_of_range}"
        );
        let short_lease = parsed("[webhooks]\nlease_seconds = 10\n").unwrap_err();
        assert!(
            short_lease.contains("webhooks.lease_seconds"),
            "{short_lease}"
        );
        let no_retries = parsed("[webhooks]\nretry_schedule_seconds = []\n").unwrap_err();
        assert!(
            no_retries.contains("webhooks.retry_schedule_seconds"),
            "{no_retries}"
        );
        let no_streams = parsed("[connections]\nmax_streams = 0\n").unwrap_err();
        assert!(
            no_streams.contains("connections.max_streams"),
            "{no_streams}"
        );
        let never = parsed("[audit]\ncheckpoint_every_seconds = 0\n").unwrap_err();
        assert!(never.contains("audit.checkpoint_every_seconds"), "{never}");
        let negative = parsed("[verification]\ngeo_max_meters = -1\n").unwrap_err();
        assert!(
            negative.contains("verification.geo_max_meters"),
            "{negative}"
        );
    }
}
