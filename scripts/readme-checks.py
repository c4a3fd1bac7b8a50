#!/usr/bin/env python3
"""Regenerate the per-category check tables in README.md from the binary.

Usage: cargo build && scripts/readme-checks.py
Replaces everything between the "## Checks" intro paragraph's tables and the
line starting "`hardcheck checks explain ID` prints".
"""
import json
import subprocess
import sys

ORDER = ["ssh", "accounts", "permissions", "kernel", "logging", "updates", "network", "tls", "passwords", "secrets", "tokens", "databases"]

checks = json.loads(subprocess.check_output(["target/debug/hardcheck", "checks", "list", "--format", "json"]))
if isinstance(checks, dict):
    checks = checks.get("checks", checks)
by_cat = {}
for c in checks:
    by_cat.setdefault(c["id"].split(".")[0], []).append(c)
cats = [c for c in ORDER if c in by_cat] + sorted(c for c in by_cat if c not in ORDER)
out = []
for cat in cats:
    rows = sorted(by_cat[cat], key=lambda c: c["id"])
    out.append(f"**{cat}** ({len(rows)})\n")
    out.append("| id | severity | title |")
    out.append("| --- | --- | --- |")
    for c in rows:
        out.append(f"| `{c['id']}` | {c['severity']} | {c['title']} |")
    out.append("")
table = "\n".join(out) + "\n"

readme = open("README.md").read()
end_marker = "`hardcheck checks explain ID` prints"
end = readme.index(end_marker)
start = readme.rindex("**ssh** (", 0, end)
readme = readme[:start] + table + readme[end:]
import re
words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen"]
n = words[len(cats)] if len(cats) < len(words) else str(len(cats))
readme = re.sub(r"^\d+ checks in \w+ categories:$", f"{len(checks)} checks in {n} categories:", readme, count=1, flags=re.M)
open("README.md", "w").write(readme)
print(f"{len(checks)} checks in {len(cats)} categories", file=sys.stderr)
