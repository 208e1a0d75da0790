//! Helpers the store's tests share.
#![allow(dead_code)]

pub mod scratch;
