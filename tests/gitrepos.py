"""Real git repositories for delivery tests: a bare remote on disk and a working clone."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PERSON = {"GIT_AUTHOR_NAME": "Dev Person", "GIT_AUTHOR_EMAIL": "dev@example.com",
          "GIT_COMMITTER_NAME": "Dev Person", "GIT_COMMITTER_EMAIL": "dev@example.com"}


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **PERSON, **(env or {})})
    if done.returncode:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def seed_remote(remotes: Path, project: str, examples: tuple[str, ...] = ("platform-aks", "apps")) -> tuple[Path, Path]:
    """(bare remote, working clone on main) holding copies of bundled examples; the remote sits
    at remotes/<project>.git, the layout a mirror of the host would have."""
    bare = remotes / f"{project}.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    git(remotes, "init", "-q", "--bare", "-b", "main", str(bare))
    work = remotes.parent / "work" / project
    work.mkdir(parents=True)
    for example in examples:
        shutil.copytree(EXAMPLES / example, work / example)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "Initial infrastructure")
    git(work, "remote", "add", "origin", str(bare))
    git(work, "push", "-q", "origin", "main")
    return bare, work


def remote_log(bare: Path, ref: str) -> list[str]:
    return git(bare, "log", "--format=%an|%s", ref).splitlines()


def commit_message(bare: Path, ref: str) -> str:
    return git(bare, "log", "-1", "--format=%B", ref)


def person_push(remotes: Path, bare: Path, branch: str, name: str = "Jane Reviewer") -> str:
    """Someone else commits on top of the remediation branch and pushes."""
    other = remotes.parent / f"other-{name.split()[0].lower()}"
    git(remotes, "clone", "-q", "--branch", branch, str(bare), str(other))
    (other / "NOTES.md").write_text("reviewed\n")
    git(other, "add", "NOTES.md")
    git(other, "commit", "-qm", "Add review notes", env={"GIT_AUTHOR_NAME": name, "GIT_COMMITTER_NAME": name})
    git(other, "push", "-q", "origin", branch)
    return git(other, "rev-parse", "HEAD")
