//! Helpers shared by the command-line tests; each test binary uses some of them.
#![allow(dead_code)]

pub mod process;
pub mod receiver;
pub mod tls;
