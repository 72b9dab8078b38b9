//! The README's "Two commands" are the scripts a newcomer runs on a fresh machine, and CI runs
//! the second one: this checks that the README, the scripts and `.ci/run` say the same thing.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The commands (not comments, not blank) of the first `sh` block of the README section
/// `heading`.
fn section_commands(readme: &str, heading: &str) -> Vec<String> {
    let section = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("the README has a section {heading:?}"))
        .1;
    let block = section
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .unwrap_or_else(|| panic!("the section {heading:?} has a sh block"))
        .0;
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn the_readmes_two_commands_are_the_scripts() {
    let commands = section_commands(&read("README.md"), "## Two commands");
    assert_eq!(commands, ["scripts/dev", "scripts/test"]);
    for script in &commands {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(repo_root().join(script))
                .unwrap_or_else(|e| panic!("{script}: {e}"))
                .permissions()
                .mode();
            assert!(mode & 0o111 != 0, "{script} is executable");
        }
        let text = read(script);
        assert!(
            text.contains(". scripts/setup.sh") && text.contains("inferchain_setup"),
            "{script} runs the shared set-up"
        );
    }
    assert!(
        read("scripts/test").contains("cargo test --workspace --locked"),
        "scripts/test runs every test"
    );
}

#[test]
fn ci_runs_the_readmes_test_command() {
    let ci = read(".ci/run");
    let runs: Vec<&str> = ci
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(runs.contains(&"scripts/test"), ".ci/run runs scripts/test");
    assert!(
        !ci.contains("cargo test"),
        ".ci/run tests only through scripts/test"
    );
}
