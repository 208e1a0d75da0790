//! Where the commands that work on the gateway's database find it.

use std::path::PathBuf;

use jiayang_gateway::sqlite_url;
use jiayang_store::Store;

/// The gateway's data directory and, when it runs on PostgreSQL, its database.
#[derive(Debug, clap::Args)]
pub struct Database {
    /// The gateway's data directory (its SQLite database, CA and credentials).
    #[arg(long, global = true, default_value = "jiayang-data")]
    pub data_dir: PathBuf,
    /// The gateway's PostgreSQL database; SQLite in the data directory when absent.
    #[arg(long, global = true, env = "JIAYANG_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl Database {
    /// Opens the database (running any pending migration, as the gateway would).
    pub async fn open(&self) -> Result<Store, String> {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None if self.data_dir.join("jiayang.db").exists() => sqlite_url(&self.data_dir),
            None => {
                return Err(format!(
                    "no gateway database in {}: start `jiayang serve --data-dir {}` once first",
                    self.data_dir.display(),
                    self.data_dir.display()
                ));
            }
        };
        Store::open(&url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))
    }
}
