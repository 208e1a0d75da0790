//! Files the gateway writes into its data directory.

use std::{fs, io, path::Path};

/// Writes a secret file readable by its owner only (0600), creating parent directories.
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    io::Write::write_all(&mut options.open(path)?, contents)
}

/// Writes a file that others may read whole or not at all: a reader (a client loading
/// `ca.pem` while the gateway starts) never sees it half written.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    fs::write(&partial, contents)?;
    fs::rename(&partial, path)
}
