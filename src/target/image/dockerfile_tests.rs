use super::*;

fn shell(s: &str) -> Args {
    Args::Shell(s.to_string())
}

fn exec(v: &[&str]) -> Args {
    Args::Exec(v.iter().map(|s| s.to_string()).collect())
}

#[test]
fn instructions_carry_their_lines_and_forms() {
    let f = parse("FROM debian:bookworm AS build\n\nrun apt-get update\nCMD [\"/app\", \"--port\", \"80\"]\nENTRYPOINT /bin/sh -c 'x'\n")
        .unwrap();
    let got: Vec<(&str, usize, &Args)> = f.instructions.iter().map(|i| (i.keyword.as_str(), i.line, &i.args)).collect();
    assert_eq!(
        got,
        [
            ("FROM", 1, &shell("debian:bookworm AS build")),
            ("RUN", 3, &shell("apt-get update")),
            ("CMD", 4, &exec(&["/app", "--port", "80"])),
            ("ENTRYPOINT", 5, &shell("/bin/sh -c 'x'")),
        ]
    );
    assert_eq!(f.escape, '\\');
    assert!(f.directives.is_empty());
}

#[test]
fn continuation_lines_join_and_skip_comments_and_blank_lines() {
    let text = "FROM x\nRUN apt-get update && \\\n    # a comment inside\n\n    apt-get install -y curl \\  \n  && rm -rf /var/lib/apt/lists\nUSER app\n";
    let f = parse(text).unwrap();
    let run = &f.instructions[1];
    assert_eq!((run.line, run.end_line), (2, 6));
    assert_eq!(run.args, shell("apt-get update &&     apt-get install -y curl   && rm -rf /var/lib/apt/lists"));
    assert_eq!((f.instructions[2].keyword.as_str(), f.instructions[2].line), ("USER", 7));
}

#[test]
fn an_escaped_escape_does_not_continue() {
    let f = parse("FROM x\nRUN echo a\\\\\nUSER app\n").unwrap();
    assert_eq!(f.instructions.len(), 3);
    assert_eq!(f.instructions[1].args, shell("echo a\\\\"));
}

#[test]
fn escape_directive_switches_to_backtick() {
    let f = parse("# escape=`\n# syntax=docker/dockerfile:1\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  /s\n")
        .unwrap();
    assert_eq!(f.escape, '`');
    let names: Vec<(&str, &str, usize)> =
        f.directives.iter().map(|d| (d.name.as_str(), d.value.as_str(), d.line)).collect();
    assert_eq!(names, [("escape", "`", 1), ("syntax", "docker/dockerfile:1", 2)]);
    assert_eq!(f.instructions[1].args, shell("dir c:\\   /s"));
    assert_eq!((f.instructions[1].line, f.instructions[1].end_line), (4, 5));
}

#[test]
fn directives_only_count_before_anything_else() {
    // After a comment, `# escape=` is an ordinary comment.
    let f = parse("# hello\n# escape=`\nFROM x\nRUN a \\\n b\n").unwrap();
    assert_eq!(f.escape, '\\');
    assert!(f.directives.is_empty());
    assert_eq!(f.instructions[1].args, shell("a  b"));
    // An unknown directive ends directive parsing too.
    let f = parse("# foo=bar\n# escape=`\nFROM x\n").unwrap();
    assert!(f.directives.is_empty());
    let err = parse("# escape=`\n# escape=\\\nFROM x\n").unwrap_err();
    assert_eq!(err.line, 2);
    assert!(parse("# escape=x\nFROM x\n").unwrap_err().message.contains("invalid escape"));
}

#[test]
fn flags_are_split_from_arguments() {
    let f = parse("FROM x\nCOPY --from=build --chown=app:app --link /out /app\nRUN --mount=type=secret,id=npm \"--network=none\" npm ci\n").unwrap();
    let copy = &f.instructions[1];
    let flags: Vec<(&str, Option<&str>)> = copy.flags.iter().map(|f| (f.name.as_str(), f.value.as_deref())).collect();
    assert_eq!(flags, [("from", Some("build")), ("chown", Some("app:app")), ("link", None)]);
    assert_eq!(copy.args, shell("/out /app"));
    let run = &f.instructions[2];
    assert_eq!(run.flags.len(), 1);
    assert_eq!(run.flags[0].value.as_deref(), Some("type=secret,id=npm"));
    assert_eq!(run.args, shell("\"--network=none\" npm ci"));
}

#[test]
fn exec_form_only_where_json_is_valid_and_allowed() {
    let f = parse("FROM x\nRUN [\"a\", \"b\"]\nRUN [not json]\nLABEL [\"x\"]\nCOPY [\"a b\", \"/c\"]\n").unwrap();
    assert_eq!(f.instructions[1].args, exec(&["a", "b"]));
    assert_eq!(f.instructions[2].args, shell("[not json]"));
    assert_eq!(f.instructions[3].args, shell("[\"x\"]"));
    assert_eq!(f.instructions[4].args, exec(&["a b", "/c"]));
}

#[test]
fn heredocs_take_their_bodies_and_lines() {
    let text = "FROM x\nRUN <<EOF\napt-get update\n  echo $HOME\nEOF\nCOPY <<-\"CONF\" 3<<'B' /etc/app.conf\n\tkey = value\n\tCONF\nraw $X\nB\nUSER app\n";
    let f = parse(text).unwrap();
    let run = &f.instructions[1];
    assert_eq!((run.line, run.end_line), (2, 5));
    assert_eq!(run.heredocs.len(), 1);
    let d = &run.heredocs[0];
    assert_eq!(
        (d.name.as_str(), d.body.as_str(), d.line, d.expand, d.chomp),
        ("EOF", "apt-get update\n  echo $HOME\n", 3, true, false)
    );
    let copy = &f.instructions[2];
    assert_eq!((copy.line, copy.end_line), (6, 10));
    let docs: Vec<(&str, &str, bool, bool, Option<u32>)> =
        copy.heredocs.iter().map(|d| (d.name.as_str(), d.body.as_str(), d.chomp, d.expand, d.fd)).collect();
    assert_eq!(docs, [("CONF", "key = value\n", true, false, None), ("B", "raw $X\n", false, false, Some(3))]);
    assert_eq!((f.instructions[3].keyword.as_str(), f.instructions[3].line), ("USER", 11));
}

#[test]
fn heredocs_only_for_run_copy_add_in_shell_form() {
    let f = parse("FROM x\nCMD cat <<EOF\nUSER app\nRUN [\"cat\", \"<<EOF\"]\nRUN cat <<<here\n").unwrap();
    assert_eq!(f.instructions.len(), 5);
    assert!(f.instructions.iter().all(|i| i.heredocs.is_empty()));
    let err = parse("FROM x\nRUN <<EOF\nno end\n").unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.message.contains("unterminated heredoc"));
}

#[test]
fn empty_files_and_odd_input_do_not_panic() {
    assert!(parse("").is_err());
    assert!(parse("# only a comment\n\n").is_err());
    let f = parse("\u{feff}FROM x\r\nRUN a \\\r\n b\r\n").unwrap();
    assert_eq!(f.instructions[1].args, shell("a  b"));
    for junk in ["\\", "RUN \\", "RUN <<", "RUN <<-", "COPY --", "RUN --x=\"unterminated", "X", "  \t  RUN  x  "] {
        let _ = parse(junk);
    }
    let f = parse("  \t  run  x  ").unwrap();
    assert_eq!((f.instructions[0].keyword.as_str(), &f.instructions[0].args), ("RUN", &shell("x")));
}
