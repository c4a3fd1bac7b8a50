//! Line edits of one file and the unified diff they make: paths
//! `a/etc/…`/`b/etc/…` (`patch -p1 -d ROOT`, `git apply`), `/dev/null` for
//! a new file, three lines of context, `\ No newline at end of file`.

use std::collections::BTreeMap;

/// The edits of one file, by 0-based line of the original.
#[derive(Debug, Clone, Default)]
pub struct FileEdits {
    /// The original text, `None` when the file does not exist yet.
    pub original: Option<String>,
    /// Line → its replacement (`None` deletes it). The first edit of a line wins.
    pub replace: BTreeMap<usize, Option<String>>,
    /// Lines inserted before line N (N = line count: at the end).
    pub insert: BTreeMap<usize, Vec<String>>,
    /// One comment per change: `check id: why`.
    pub notes: Vec<String>,
}

enum Op<'a> {
    Keep(&'a str),
    Del(&'a str),
    Add(&'a str),
}

impl FileEdits {
    pub fn is_empty(&self) -> bool {
        self.replace.is_empty() && self.insert.values().all(Vec::is_empty)
    }

    fn ops(&self) -> Vec<Op<'_>> {
        let old: Vec<&str> = self.original.as_deref().map(super::edit::lines).unwrap_or_default();
        let mut ops = Vec::new();
        for i in 0..=old.len() {
            for l in self.insert.get(&i).into_iter().flatten() {
                ops.push(Op::Add(l));
            }
            let Some(line) = old.get(i) else { break };
            match self.replace.get(&i) {
                Some(Some(new)) if new == line => ops.push(Op::Keep(line)),
                Some(Some(new)) => {
                    ops.push(Op::Del(line));
                    ops.push(Op::Add(new));
                }
                Some(None) => ops.push(Op::Del(line)),
                None => ops.push(Op::Keep(line)),
            }
        }
        ops
    }

    /// Ensure the last original line ends with a newline before lines are
    /// added after it.
    pub fn terminate_last_line(&mut self, eol: &str) {
        let Some(text) = &self.original else { return };
        let n = super::edit::lines(text).len();
        if n == 0 || text.ends_with('\n') || self.insert.get(&n).is_none_or(Vec::is_empty) {
            return;
        }
        let last = super::edit::lines(text)[n - 1].to_string();
        let entry = self.replace.entry(n - 1).or_insert(Some(last));
        if let Some(l) = entry {
            if !l.ends_with('\n') {
                l.push_str(eol);
            }
        }
    }

    /// The new text.
    pub fn result(&self) -> String {
        self.ops()
            .into_iter()
            .filter_map(|o| match o {
                Op::Keep(l) | Op::Add(l) => Some(l),
                Op::Del(_) => None,
            })
            .collect()
    }

    /// The unified diff of `path` (absolute, inside the target).
    pub fn diff(&self, path: &str) -> String {
        let ops = self.ops();
        let rel = path.trim_start_matches('/');
        let from = if self.original.is_some() { format!("a/{rel}") } else { "/dev/null".into() };
        let mut out = format!("--- {from}\n+++ b/{rel}\n");
        let changed: Vec<usize> = (0..ops.len()).filter(|&i| !matches!(ops[i], Op::Keep(_))).collect();
        // Context never shows a line that holds a secret (a password next
        // to the line changed): the hunk's context stops before it.
        let open = |o: &Op| !matches!(o, Op::Keep(l) if crate::redact::mask(l) != *l);
        let mut groups: Vec<(usize, usize)> = Vec::new();
        for &i in &changed {
            let mut lo = i;
            while lo > 0 && i - lo < 3 && open(&ops[lo - 1]) {
                lo -= 1;
            }
            let mut hi = i + 1;
            while hi < ops.len() && hi - i <= 3 && open(&ops[hi]) {
                hi += 1;
            }
            match groups.last_mut() {
                Some(g) if lo <= g.1 => g.1 = hi,
                _ => groups.push((lo, hi)),
            }
        }
        // Line numbers (1-based) of the old and new file at each op.
        let (mut old_no, mut new_no) = (vec![0usize; ops.len() + 1], vec![0usize; ops.len() + 1]);
        for (i, o) in ops.iter().enumerate() {
            old_no[i + 1] = old_no[i] + usize::from(!matches!(o, Op::Add(_)));
            new_no[i + 1] = new_no[i] + usize::from(!matches!(o, Op::Del(_)));
        }
        for (lo, hi) in groups {
            let oc = old_no[hi] - old_no[lo];
            let nc = new_no[hi] - new_no[lo];
            let start = |n: usize, c: usize| if c == 0 { n } else { n + 1 };
            out += &format!("@@ -{},{oc} +{},{nc} @@\n", start(old_no[lo], oc), start(new_no[lo], nc));
            for o in &ops[lo..hi] {
                let (mark, line) = match o {
                    Op::Keep(l) => (' ', l),
                    Op::Del(l) => ('-', l),
                    Op::Add(l) => ('+', l),
                };
                out.push(mark);
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edits(text: &str) -> FileEdits {
        FileEdits { original: Some(text.to_string()), ..FileEdits::default() }
    }

    #[test]
    fn replace_one_line_with_context() {
        let mut e = edits("a\nb\nc\nd\ne\nf\ng\nh\n");
        e.replace.insert(4, Some("E\n".into()));
        assert_eq!(e.result(), "a\nb\nc\nd\nE\nf\ng\nh\n");
        assert_eq!(e.diff("/etc/x"), "--- a/etc/x\n+++ b/etc/x\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n");
    }

    #[test]
    fn new_file_and_append_without_final_newline() {
        let mut e = FileEdits::default();
        e.insert.insert(0, vec!["k = 1\n".into()]);
        assert_eq!(
            e.diff("/etc/sysctl.d/60-hardening.conf"),
            "--- /dev/null\n+++ b/etc/sysctl.d/60-hardening.conf\n@@ -0,0 +1,1 @@\n+k = 1\n"
        );
        let mut e = edits("a\nb");
        e.insert.insert(2, vec!["c\n".into()]);
        e.terminate_last_line("\n");
        assert_eq!(e.result(), "a\nb\nc\n");
        assert_eq!(e.diff("/f"), "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n");
    }

    #[test]
    fn context_never_shows_a_secret() {
        let mut e = edits("requirepass s3cretvalue\nprotected-mode no\nport 6379\n");
        e.replace.insert(1, Some("protected-mode yes\n".into()));
        let d = e.diff("/etc/redis/redis.conf");
        assert!(!d.contains("s3cret"), "{d}");
        assert!(d.contains("@@ -2,2 +2,2 @@\n-protected-mode no\n+protected-mode yes\n port 6379\n"), "{d}");
    }

    #[test]
    fn distant_changes_make_two_hunks() {
        let text: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let mut e = edits(&text);
        e.replace.insert(0, None);
        e.insert.insert(20, vec!["21\n".into()]);
        let d = e.diff("/f");
        assert!(d.contains("@@ -1,4 +1,3 @@\n-1\n 2\n"), "{d}");
        assert!(d.contains("@@ -18,3 +17,4 @@\n 18\n 19\n 20\n+21\n"), "{d}");
    }
}
