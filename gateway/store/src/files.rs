//! Files the gateway writes into its data directory.

use std::{fs, io, path::Path};

/// The files of the embedded database: names, addresses and assessments are in them.
const DATABASE_FILES: [&str; 3] = ["jiayang.db", "jiayang.db-wal", "jiayang.db-shm"];

/// Creates a directory (and its missing parents) readable by its owner only (0700).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes the data directory and the database files in it private (0700, 0600) where
/// they are not: created with a usual umask of 022 they would be world-readable. Returns
/// what it changed, for a warning. (SQLite gives a new `-wal` or `-shm` the database
/// file's own mode, so they stay private once it is.)
pub fn make_private(dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut changed = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let targets = std::iter::once((dir.to_owned(), 0o700))
            .chain(DATABASE_FILES.iter().map(|name| (dir.join(name), 0o600)));
        for (path, mode) in targets {
            let Ok(metadata) = fs::metadata(&path) else {
                continue;
            };
            if metadata.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(&path, fs::Permissions::from_mode(mode))?;
                changed.push(path);
            }
        }
    }
    Ok(changed)
}

/// Writes a secret file readable by its owner only (0600), creating parent directories
/// (0700).
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        create_private_dir(parent)?;
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
