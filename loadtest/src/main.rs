//! `jiayang-load`: see the crate documentation and `--help`.

use std::{io::Write as _, process::ExitCode};

use clap::Parser;
use jiayang_loadtest::{Config, report};

fn main() -> ExitCode {
    let config = Config::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = config.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("jiayang-load: cannot start the runtime: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(kind) = config.serve_bare {
        return match runtime.block_on(jiayang_loadtest::scenarios::bare::serve_alone(
            kind, &config,
        )) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("jiayang-load --serve-bare: {error}");
                ExitCode::from(2)
            }
        };
    }
    let mut emit = |measurement: &jiayang_loadtest::Measurement| {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", measurement.json_line());
        let _ = stdout.flush();
    };
    match runtime.block_on(jiayang_loadtest::run(&config, &mut emit)) {
        Ok(measurements) => {
            eprintln!("\n{}", report::table(&measurements));
            if measurements.iter().any(|m| m.errors > 0) {
                eprintln!("jiayang-load: some requests failed (see firstError above)");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("jiayang-load: {error}");
            ExitCode::from(2)
        }
    }
}
