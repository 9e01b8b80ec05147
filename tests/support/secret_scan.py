"""The secret-looking literals of the repository's tracked files: quoted strings and assignments that
look like keys, passwords, tokens or webhook secrets (tests/config/test_no_secret_in_repository.py
tries each as the webhook secret)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SECRETISH = re.compile(r"secret|passw|token|whsec|key|change.?me|demo|insecure|only", re.IGNORECASE)
QUOTED = re.compile(r"""(?P<q>["'])(?P<value>[^"'\s]{4,200})(?P=q)""")
ASSIGNED = re.compile(
    r"""(?P<name>[A-Za-z_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|KEY)[A-Za-z_]*)\s*[:=]\s*["']?(?P<value>[^\s"'#,)]{4,200})""",
    re.IGNORECASE,
)
DEFAULTED = re.compile(r"\$\{(?P<name>[A-Z_]+):-(?P<value>[^}]*)\}")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "-z"], capture_output=True, cwd=ROOT, check=True).stdout
    files = []
    for name in names.decode().split("\0"):
        path = ROOT / name
        if name and path.is_file() and path.suffix not in {".png", ".jpg", ".svg"} and path.stat().st_size < 2**20:
            files.append(path)
    return files


def secret_looking_literals() -> set[str]:
    found: set[str] = set()
    for path in tracked_text_files():
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for line in text.splitlines():
            line_is_secretish = bool(re.search(r"secret|password|passwd|token|_key\b", line, re.IGNORECASE))
            for match in QUOTED.finditer(line):
                value = match.group("value")
                if line_is_secretish or SECRETISH.search(value):
                    found.add(value)
            found.update(match.group("value") for match in ASSIGNED.finditer(line))
            found.update(match.group("value") for match in DEFAULTED.finditer(line) if match.group("value"))
    return found
