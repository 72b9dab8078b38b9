//! Docker cannot run on the build machines, so this checks what it can: every file the
//! Dockerfile and the compose file reference exists in the repository.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    PathBuf::from(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("..")
}

/// Sources of the Dockerfile's `COPY` instructions that come from the build context.
fn dockerfile_sources(dockerfile: &str) -> Vec<String> {
    let mut sources = Vec::new();
    for line in dockerfile.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("COPY ") else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        if words.iter().any(|w| w.starts_with("--from")) {
            continue;
        }
        let paths: Vec<&str> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
        if let Some((_destination, sources_of_line)) = paths.split_last() {
            sources.extend(sources_of_line.iter().map(|s| s.to_string()));
        }
    }
    sources
}

#[test]
fn dockerfile_copies_only_files_that_exist() {
    let root = repo_root();
    let dockerfile = std::fs::read_to_string(root.join("docker/Dockerfile")).expect("Dockerfile");
    let sources = dockerfile_sources(&dockerfile);
    assert!(
        sources.len() >= 5,
        "the Dockerfile copies the workspace: {sources:?}"
    );
    for source in sources {
        assert!(
            root.join(&source).exists(),
            "Dockerfile copies missing `{source}`"
        );
    }
    assert!(
        dockerfile.contains("\nUSER "),
        "the image runs as a non-root user"
    );
}

/// Values of `key: value` lines in the compose file.
fn compose_values<'a>(compose: &'a str, key: &str) -> Vec<&'a str> {
    compose
        .lines()
        .filter_map(|line| line.trim().strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().trim_matches('"'))
        .collect()
}

#[test]
fn compose_file_references_existing_files() {
    let root = repo_root();
    let docker_dir = root.join("docker");
    let compose =
        std::fs::read_to_string(docker_dir.join("docker-compose.yml")).expect("compose file");

    let contexts = compose_values(&compose, "context");
    assert!(!contexts.is_empty(), "the compose file builds the image");
    for context in &contexts {
        let context_dir = docker_dir.join(context);
        assert!(context_dir.is_dir(), "build context `{context}` exists");
        for dockerfile in compose_values(&compose, "dockerfile") {
            assert!(
                context_dir.join(dockerfile).is_file(),
                "dockerfile `{dockerfile}` exists in context `{context}`"
            );
        }
    }

    // Bind mounts: "- ./x:/y" or "- ../x:/y" (named volumes have no slash before the colon).
    for line in compose.lines().map(str::trim) {
        let Some(mount) = line.strip_prefix("- ") else {
            continue;
        };
        let mount = mount.trim_matches('"');
        if mount.starts_with("./") || mount.starts_with("../") {
            let host = mount.split(':').next().unwrap_or_default();
            assert!(
                Path::new(&docker_dir).join(host).exists(),
                "compose mounts missing `{host}`"
            );
        }
    }

    for service in ["alice:", "bob:", "charlie:", "dave:"] {
        assert!(
            compose.contains(service),
            "compose runs validator {service}"
        );
    }
    assert!(compose.contains("9944:9944"), "one node's RPC is published");
}
