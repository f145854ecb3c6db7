"""Git through GitPython, kept to the few operations delivery needs, all safe to run on a
repository akfix does not trust.

Commits are built with plumbing (a temporary index, `commit-tree`, `update-ref`): the person's
working tree, index and checked-out branch are never touched, so nothing can be stashed or lost.
Every command runs with hooks disabled and without prompting; credentials travel in
`http.extraHeader` through the environment (GIT_CONFIG_COUNT), never on a command line or in a URL.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git as gitpython

from fixer.deliver.redact import redact

# Configuration that keeps git from running anything a repository (or a stray global setting)
# could supply: hooks, fsmonitor, the ext:: transport, submodule recursion, LFS smudging.
_SAFE_CONFIG = (
    ("core.hooksPath", os.devnull),
    ("core.fsmonitor", "false"),
    ("protocol.ext.allow", "never"),
    ("submodule.recurse", "false"),
    ("advice.detachedHead", "false"),
    # A stalled transfer ends (below 1 KB/s for a minute) instead of holding a bot worker forever.
    ("http.lowSpeedLimit", "1000"),
    ("http.lowSpeedTime", "60"),
)


class GitError(Exception):
    """A git command failed; the message never holds a secret."""


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: str
    message: str

    def trailer(self, key: str) -> str | None:
        for line in reversed(self.message.splitlines()):
            if line.startswith(f"{key}: "):
                return line[len(key) + 2:].strip()
        return None


@dataclass(frozen=True)
class Access:
    """How git talks to a remote: extra HTTP headers (credentials) and whether to ignore the
    machine's global and system configuration (bot mode)."""

    headers: tuple[str, ...] = ()
    isolated: bool = False
    secrets: tuple[str, ...] = ()


def environment(access: Access) -> dict[str, str]:
    """The environment for one git command: safe settings and credentials as config entries."""
    entries = list(_SAFE_CONFIG) + [("http.extraHeader", header) for header in access.headers]
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1", "GIT_CONFIG_COUNT": str(len(entries))}
    for index, (key, value) in enumerate(entries):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    if access.isolated:
        env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
        # ssh must fail rather than ask for a passphrase or a host key nobody will type.
        env.setdefault("GIT_SSH_COMMAND", os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"))
    return env


class Repository:
    """One local repository; every command goes through `_git` so the safe environment and the
    redaction of errors cannot be forgotten."""

    def __init__(self, path: Path, access: Access = Access()):
        try:
            self._repo = gitpython.Repo(path, search_parent_directories=True)
        except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError) as exc:
            raise GitError(f"{path}: not inside a git repository") from exc
        if self._repo.bare:
            raise GitError(f"{path}: a bare repository has no files to fix")
        self.access = access
        self.root = Path(self._repo.working_tree_dir).resolve()

    def _git(self, *args: str, env: dict[str, str] | None = None, strip: bool = True) -> str:
        merged = environment(self.access)
        merged.update(env or {})
        try:
            return self._repo.git.execute(["git", *args], env=merged, strip_newline_in_stdout=strip)
        except gitpython.GitCommandError as exc:
            # --porcelain pushes say why a ref was rejected ("stale info") on stdout
            detail = " ".join(part for part in (exc.stderr, exc.stdout) if part).replace("stderr: ", "").replace("stdout: ", "")
            detail = " ".join(detail.replace("'", " ").split())
            raise GitError(redact(f"git {args[0]}: {detail or 'failed'}", self.access.secrets)) from None

    # -- reading ----------------------------------------------------------------------------

    def dirty_paths(self) -> list[str]:
        """Tracked files with changes, staged or not (untracked files cannot be lost by akfix)."""
        out = self._git("status", "--porcelain=v1", "--untracked-files=no", "-z", strip=False)
        return [entry[3:] for entry in out.split("\0") if len(entry) > 3]

    def current_branch(self) -> str | None:
        try:
            return self._git("symbolic-ref", "--quiet", "--short", "HEAD") or None
        except GitError:
            return None  # detached HEAD

    def resolve(self, ref: str) -> str | None:
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") or None
        except GitError:
            return None

    def remote_url(self, remote: str) -> str | None:
        """The URL as configured (not rewritten by insteadOf): what names the host and project."""
        try:
            return self._git("config", "--get", f"remote.{remote}.url") or None
        except GitError:
            return None

    def commit(self, sha: str) -> CommitInfo:
        raw = self._git("cat-file", "commit", sha, strip=False)
        head, _, message = raw.partition("\n\n")
        tree, parents, author = "", [], ""
        for line in head.splitlines():
            key, _, value = line.partition(" ")
            if key == "tree":
                tree = value
            elif key == "parent":
                parents.append(value)
            elif key == "author":
                author = value.rsplit(" ", 2)[0]
        return CommitInfo(sha, tree, tuple(parents), author, message)

    def file_mode(self, commit: str, path: str) -> str | None:
        out = self._git("ls-tree", commit, "--", path)
        return out.split(" ", 1)[0] if out else None

    # -- remotes ----------------------------------------------------------------------------

    def remote_branch(self, remote: str, branch: str) -> str | None:
        """The remote's tip of `branch`, asking the remote itself (not a stale tracking ref)."""
        out = self._git("ls-remote", "--heads", remote, f"refs/heads/{branch}")
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref == f"refs/heads/{branch}":
                return sha
        return None

    def fetch(self, remote: str, branch: str, shallow: bool) -> None:
        args = ["fetch", "--no-tags", "--no-recurse-submodules", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"]
        if shallow:
            args.insert(1, "--depth=1")
        self._git(*args)

    def push(self, remote: str, sha: str, branch: str, expect: str | None) -> None:
        """Push `sha` to `branch` only if the remote still has `expect` there (None: no branch):
        someone else's push between our look and our push is never overwritten."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expect or ''}"
        self._git("push", "--no-verify", "--porcelain", lease, remote, f"{sha}:refs/heads/{branch}")

    # -- writing (plumbing only) ------------------------------------------------------------

    def write_tree(self, base: str, files: dict[str, bytes]) -> str:
        """The tree of `base` with `files` (repository paths -> working-tree bytes) replaced.
        Bytes go through `hash-object --path`, so the repository's end-of-line and clean rules
        store them exactly as `git add` would."""
        with tempfile.TemporaryDirectory(prefix="akfix-index-") as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self._git("read-tree", base, env=index)
            blob_file = Path(scratch) / "blob"
            for path, data in sorted(files.items()):
                mode = self.file_mode(base, path) or "100644"
                if mode not in ("100644", "100755"):
                    kind = "symbolic link" if mode == "120000" else "special entry"
                    raise GitError(f"{path}: is a {kind} in git; akfix commits only regular files")
                blob_file.write_bytes(data)
                blob = self._git("hash-object", "-w", f"--path={path}", "--", str(blob_file))
                self._git("update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=index)
            return self._git("write-tree", env=index)

    def commit_tree(self, tree: str, parent: str, message: str, identity: Identity) -> str:
        who = {
            "GIT_AUTHOR_NAME": identity.name, "GIT_AUTHOR_EMAIL": identity.email,
            "GIT_COMMITTER_NAME": identity.name, "GIT_COMMITTER_EMAIL": identity.email,
        }
        with tempfile.TemporaryDirectory(prefix="akfix-message-") as scratch:
            message_file = Path(scratch) / "message"
            message_file.write_text(message, encoding="utf-8")
            return self._git("commit-tree", tree, "-p", parent, "-F", str(message_file), env=who)

    def is_shallow(self) -> bool:
        return self._git("rev-parse", "--is-shallow-repository") == "true"

    def tracked(self, commit: str, paths: list[str]) -> set[str]:
        out = self._git("ls-tree", "-r", "--name-only", "-z", commit, "--", *paths, strip=False) if paths else ""
        return {p for p in out.split("\0") if p}

    def update_branch(self, branch: str, new: str, old: str | None) -> None:
        """Move the local branch only if it is still where we saw it (all zeros: must not exist)."""
        self._git("update-ref", "-m", "akfix: remediation branch", f"refs/heads/{branch}", new, old or "0" * 40)

    def identity(self) -> Identity | None:
        try:
            name, email = self._git("config", "user.name"), self._git("config", "user.email")
        except GitError:
            return None
        return Identity(name, email) if name and email else None


def clone(url: str, dest: Path, access: Access, branch: str | None = None) -> Repository:
    """A shallow, single-branch clone with hooks and filters disabled."""
    args = ["git", "clone", "--depth=1", "--single-branch", "--no-tags", "--no-recurse-submodules"]
    if branch:
        args += ["--branch", branch]
    args += ["--", url, str(dest)]
    env = dict(os.environ)
    env.update(environment(access))
    try:
        gitpython.Git().execute(args, env=env)
    except gitpython.GitCommandError as exc:
        detail = (exc.stderr or "").strip().replace("stderr: ", "").strip("'\n ")
        raise GitError(redact(f"git clone {url}: {detail or 'failed'}", access.secrets)) from None
    return Repository(dest, access)
