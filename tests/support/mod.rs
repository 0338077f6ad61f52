//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod schema;

use assert_cmd::Command;

pub fn creview() -> Command {
    let mut c = Command::cargo_bin("creview").expect("binary is built");
    c.env_remove("NO_COLOR");
    c
}

/// A small repository in a temporary folder.
pub fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}
