//! The configuration file: `jiayang.toml` in the data directory (or `--config FILE`).
//! Everything in it has a default, so the file is optional; a file that is there must
//! parse, and an unknown key or a value out of range stops the gateway with a message
//! naming the key.

use std::path::{Path, PathBuf};

use jiayang_domain::verification::Thresholds;
use serde::Deserialize;

/// What the file may set.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// DESIGN §5's thresholds.
    pub verification: Thresholds,
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
        let negative = parsed("[verification]\ngeo_max_meters = -1\n").unwrap_err();
        assert!(
            negative.contains("verification.geo_max_meters"),
            "{negative}"
        );
    }
}
