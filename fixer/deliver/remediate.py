"""Deliver fixes as a branch, a push and a pull request.

The branch is always one akfix commit on top of the base. Its message carries trailers
(Akfix-Base, Akfix-Tree) that let a later run recognise its own work: a branch whose tip is not
exactly that is someone else's, and is never overwritten without --recreate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from fixer.deliver import forges, pr_text
from fixer.deliver.forges import ForgeError, PullRequest, PullRequestSpec
from fixer.deliver.git import Access, CommitInfo, GitError, Identity, Repository
from fixer.model import FileChange

DEFAULT_IDENTITY = Identity("akfix", "akfix@users.noreply.github.com")


def default_branch(engines: tuple[str, ...]) -> str:
    """akfix/network-policy-cilium, or akfix/network-policy-cilium-calico for a preference list."""
    return "akfix/network-policy-" + "-".join(engines)


@dataclass(frozen=True)
class BranchOptions:
    branch: str
    base: str | None = None  # the branch the pull request targets (default: the checked-out one)
    remote: str = "origin"
    push: bool = False
    open_pr: bool = False
    recreate: bool = False  # rebuild a branch a person pushed to, open a PR a person closed
    draft: bool = False
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    work_items: tuple[str, ...] = ()
    forge: str | None = None
    api_url: str | None = None
    project: str | None = None
    author: Identity | None = None
    isolated: bool = False  # bot mode: ignore the machine's git configuration


@dataclass(frozen=True)
class Delivery:
    branch: str
    base: str
    status: str  # created | updated | unchanged | nothing | refused
    commit: str | None = None
    pushed: bool = False
    pr_url: str | None = None
    pr_number: int | None = None
    pr_action: str | None = None  # opened | updated | unchanged
    message: str = ""
    files: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "branch": self.branch, "base": self.base, "status": self.status, "commit": self.commit,
            "pushed": self.pushed, "files": list(self.files), "message": self.message or None,
            "pull_request": {"url": self.pr_url, "number": self.pr_number, "action": self.pr_action} if self.pr_number else None,
        }


class Refused(Exception):
    """Delivering would lose or overwrite someone's work, or cannot start: nothing was changed."""


def is_ours(commit: CommitInfo) -> bool:
    """An akfix commit, untouched since: one parent that is its recorded base, its recorded tree."""
    return (len(commit.parents) == 1 and commit.trailer("Akfix-Base") == commit.parents[0]
            and commit.trailer("Akfix-Tree") == commit.tree)


def access_for(url: str | None, options: BranchOptions, env: Mapping[str, str]) -> tuple[Access, forges.ForgeTarget | None, forges.Token | None]:
    """Credentials for a remote URL: the forge's token as an HTTP header when there is one.
    Pushing to a host akfix does not know uses the person's own git credentials."""
    publish = options.push or options.open_pr
    if publish and url is None:
        raise Refused(f"no remote named {options.remote!r} (pass --remote)")
    target = token = None
    if options.open_pr:
        target = forges.detect(url, options.forge, options.api_url or env.get("AKFIX_API_URL"), options.project)
        token = forges.token_for(target.kind, env)
    elif url and url.startswith(("https://", "http://")):
        try:
            target = forges.detect(url, options.forge, None, options.project)
            token = forges.token_for(target.kind, env)
        except forges.ForgeSetupError:
            target = token = None
    https = bool(url and url.startswith(("https://", "http://")))
    headers = (forges.git_auth_header(target.kind, token),) if token and https else ()
    return Access(headers, options.isolated, (token.value,) if token else ()), target, token


def deliver(root: Path, changes: list[FileChange], remediation: pr_text.Remediation, options: BranchOptions,
            env: Mapping[str, str] = os.environ, sleep=None) -> Delivery:
    """Commit `changes` to the remediation branch; push it and open or update the pull request
    as asked. Raises Refused, GitError, ForgeError, ForgeSetupError with a message for people."""
    publish = options.push or options.open_pr
    url = Repository(root).remote_url(options.remote) if publish else None
    access, target, token = access_for(url, options, env)
    repo = Repository(root, access)
    head, base = _starting_point(repo, options)
    files = _repository_paths(repo.root, changes)
    _refuse_untracked(repo, head, files)
    if not files:
        return Delivery(options.branch, base, "nothing", message="no file to change")
    delivered = tuple(sorted(files))
    remote_tip, local_tip = _existing_tips(repo, options, publish, base)

    forge = pr = None
    if options.open_pr:
        forge = forges.connect(target, token, sleep=sleep)
        pr = forge.find(options.branch, base)
        if pr and pr.state == "closed" and not options.recreate:
            return Delivery(options.branch, base, "refused", pr_url=pr.url, pr_number=pr.number, files=delivered,
                            message=f"pull request #{pr.number} was closed without merging; akfix does not reopen or replace it (pass --recreate to open a new one)")

    commit, status = _commit(repo, head, files, remediation, options, remote_tip if publish else local_tip)
    if commit != local_tip:
        repo.update_branch(options.branch, commit, local_tip)
    pushed = publish and commit != remote_tip
    if pushed:
        _push(repo, options, commit, remote_tip)
    delivery = Delivery(options.branch, base, status, commit, pushed, files=delivered)
    return delivery if forge is None else _pull_request(forge, pr, remediation, options, base, delivery)


def _starting_point(repo: Repository, options: BranchOptions) -> tuple[str, str]:
    """(HEAD commit, base branch name); refused unless the working tree is exactly that commit."""
    dirty = repo.dirty_paths()
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise Refused(f"the working tree has uncommitted changes ({shown}): commit or stash them first; "
                      "akfix builds the branch from the last commit and touches nothing else")
    head = repo.resolve("HEAD")
    base = options.base or repo.current_branch()
    if head is None or base is None:
        raise Refused("HEAD is not on a branch: check out the base branch or pass --base")
    if base == options.branch:
        raise Refused(f"{base} is the remediation branch itself: check out the base branch (e.g. main) first")
    if options.base and repo.resolve(f"refs/heads/{options.base}") not in (head, None):
        raise Refused(f"the working tree is not at {options.base}: check it out first (akfix fixes the files it reads)")
    return head, base


def _refuse_untracked(repo: Repository, head: str, files: dict[str, FileChange]) -> None:
    """A fixed file git does not know would enter the branch unreviewed: refused."""
    untracked = sorted(p for p, c in files.items() if c.before is not None and p not in repo.tracked(head, [p]))
    if untracked:
        raise Refused(f"{', '.join(untracked)}: not committed; commit it first so the branch has a base to change")


def _existing_tips(repo: Repository, options: BranchOptions, publish: bool, base: str) -> tuple[str | None, str | None]:
    """(remote tip, local tip) of the remediation branch; refused when either holds someone's work."""
    remote_tip = repo.remote_branch(options.remote, options.branch) if publish else None
    if remote_tip:
        repo.fetch(options.remote, options.branch, shallow=repo.is_shallow())
    local_tip = repo.resolve(f"refs/heads/{options.branch}")
    for tip, where in ((remote_tip, f"{options.remote}/{options.branch}"), (local_tip, options.branch)):
        if tip and not options.recreate and not is_ours(info := repo.commit(tip)):
            first_line = info.message.splitlines()[0] if info.message else ""
            raise Refused(f"{where} has commits akfix did not make (tip {tip[:10]} by {info.author}: {first_line!r}); "
                          f"not overwritten. Pass --recreate to rebuild it from {base}")
    return remote_tip, local_tip


def _commit(repo: Repository, head: str, files: dict[str, FileChange], remediation, options: BranchOptions,
            existing: str | None) -> tuple[str, str]:
    """(commit, created|updated|unchanged): a new akfix commit on HEAD unless `existing` is ours
    and already holds exactly this tree."""
    tree = repo.write_tree(head, {p: c.after for p, c in files.items()})
    if existing and is_ours(previous := repo.commit(existing)) and previous.tree == tree:
        return existing, "unchanged"
    message = pr_text.commit_message(remediation, head, tree)
    commit = repo.commit_tree(tree, head, message, options.author or repo.identity() or DEFAULT_IDENTITY)
    return commit, "updated" if existing else "created"


def _push(repo: Repository, options: BranchOptions, commit: str, remote_tip: str | None) -> None:
    try:
        repo.push(options.remote, commit, options.branch, remote_tip)
    except GitError as exc:
        if "stale info" in str(exc) or "rejected" in str(exc):
            raise Refused(f"{options.remote}/{options.branch} changed while akfix worked; nothing overwritten, run again") from None
        raise


def _pull_request(forge, pr: PullRequest | None, remediation, options: BranchOptions, base: str, delivery: Delivery) -> Delivery:
    description, overflow = pr_text.split_body(pr_text.body(remediation), forge.body_limit)
    spec = PullRequestSpec(pr_text.title(remediation), description, options.branch, base, options.draft,
                           options.labels, options.reviewers, options.work_items)
    if pr and pr.state == "open":
        unchanged = pr.title == spec.title and pr.body == spec.body
        updated = forge.update(pr, spec)
        action = "unchanged" if unchanged else "updated"
    else:
        try:
            updated, action = forge.create(spec), "opened"
        except ForgeError as exc:
            if exc.status not in (409, 422):
                raise
            # Opened by a parallel run between our look and our create: update that one.
            again = forge.find(options.branch, base)
            if again is None or again.state != "open":
                raise
            updated, action = forge.update(again, spec), "updated"
    if overflow and action != "unchanged":
        forge.comment(updated, overflow)
    return Delivery(delivery.branch, delivery.base, delivery.status, delivery.commit, delivery.pushed,
                    updated.url, updated.number, action, delivery.message, delivery.files)


def _repository_paths(root: Path, changes: list[FileChange]) -> dict[str, FileChange]:
    """Changes keyed by their path in the repository (through in-tree links, like the writes)."""
    files = {}
    for change in changes:
        target = change.path.resolve() if change.path.exists() else change.path.parent.resolve() / change.path.name
        try:
            relative = target.relative_to(root).as_posix()
        except ValueError:
            raise Refused(f"{change.relpath}: outside the repository at {root}") from None
        files[relative] = change
    return files
