use super::*;

fn found(text: &str) -> Vec<(&'static str, usize, String)> {
    let parsed = dockerfile::parse(text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    judge(&parsed.instructions, &lines, &mut out);
    out
}

fn concerns(text: &str) -> Vec<(&'static str, usize)> {
    found(text).into_iter().map(|(c, l, _)| (c, l)).collect()
}

#[test]
fn final_stage_user_is_judged() {
    let multi = "FROM golang:1.22@sha256:aa AS build\nUSER root\nRUN go build\nFROM debian@sha256:bb\nUSER app\n";
    assert_eq!(concerns(multi), []);
    let missing = "FROM golang@sha256:aa AS build\nUSER app\nFROM debian@sha256:bb\nCOPY --from=build /x /x\n";
    assert_eq!(concerns(missing), [("root_user", 3)]);
    let inherited = "FROM debian@sha256:bb AS base\nUSER app\nFROM base\nRUN true\n";
    assert_eq!(concerns(inherited), []);
    let root = "FROM debian@sha256:bb\nUSER app\nUSER 0:0\n";
    assert_eq!(concerns(root), [("root_user", 3)]);
}

#[test]
fn fetches_and_pipes() {
    let text = "FROM alpine@sha256:aa\nUSER app\nADD https://example.com/x.tgz /x\nADD --checksum=sha256:00 https://example.com/y /y\nRUN apk add curl && \\\n    curl -fsSL https://get.example.com | sh\nRUN [\"sh\", \"-c\", \"wget -qO- https://x | bash\"]\n";
    assert_eq!(concerns(text), [("add_url", 3), ("pipe_to_shell", 6), ("pipe_to_shell", 7)]);
}

#[test]
fn secrets_are_masked() {
    let text =
        "FROM alpine@sha256:aa\nUSER app\nENV DB_PASSWORD=hunter2 MODE=prod\nARG NPM_TOKEN\nENV API_KEY $API_KEY\n";
    let f = found(text);
    assert_eq!(f.iter().map(|(c, l, _)| (*c, *l)).collect::<Vec<_>>(), [("secret", 3), ("secret", 4), ("secret", 5)]);
    assert!(f.iter().all(|(_, _, d)| !d.contains("hunter2")), "{f:?}");
}

/// The report masker reads `KEY: word` after a secret-named key as a
/// value: a detail names the key (or image, or user) and goes on with a
/// verb, so the masker leaves hardcheck's own words alone (issue 16).
#[test]
fn details_survive_the_masker() {
    let text = "FROM token\nARG NPM_TOKEN\nARG GH_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345\nENV DB_PASSWORD=letmein API_KEY=$NPM_TOKEN\nENV password hunter2\nUSER root\n";
    let f = found(text);
    assert_eq!(f.iter().filter(|(c, _, _)| *c == "secret").count(), 5, "{f:?}");
    for (_, _, detail) in &f {
        assert_eq!(&crate::redact::mask(detail), detail, "the masker changes a detail");
        assert!(!detail.contains("ghp_") && !detail.contains("letmein") && !detail.contains("hunter2"), "{detail}");
    }
}

#[test]
fn bases_apt_and_sudo() {
    let text = "# escape=`\nFROM debian\nFROM ubuntu:latest AS b\nFROM b\nUSER app\nRUN apt-get update && apt-get install -y `\n    curl sudo\nRUN apt-get install -y --no-install-recommends ca-certificates\n";
    assert_eq!(concerns(text), [("base_unpinned", 2), ("base_unpinned", 3), ("apt_recommends", 6), ("sudo", 7)]);
    assert!(is_dockerfile("Dockerfile") && is_dockerfile("Containerfile") && is_dockerfile("api.Dockerfile"));
    assert!(is_dockerfile("Dockerfile.prod") && !is_dockerfile("Dockerfile-notes.txt"));
}

#[test]
fn history_commands() {
    assert!(adds_url("/bin/sh -c #(nop) ADD https://x/y.tgz in /"));
    assert!(adds_url("ADD https://x/y /y # buildkit"));
    assert!(!adds_url("/bin/sh -c #(nop) ADD file:abc in / "));
    assert!(pipes_to_shell("/bin/sh -c curl -sSL https://x | sudo -E bash -"));
    assert!(!pipes_to_shell("/bin/sh -c curl -o /tmp/x https://x && sh /tmp/x.sh | tee log"));
}
