"""`akfix bot`: remediation pull requests across many repositories, Renovate-style.

Each repository is cloned shallow into a scratch directory (hooks and the machine's git
configuration off: the bot runs no code from the repositories), fixed in memory, committed to
the remediation branch, pushed, and its pull request opened or updated. A state file records
each finished repository as soon as it finishes, so a crash or Ctrl-C loses nothing and a re-run
continues where the last one stopped. `--shard I/N` splits the list by a stable hash of each
repository, so a CI matrix or a Kubernetes indexed Job can share an organisation.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Mapping

from fixer.deliver.git import Access, GitError, clone, environment
from fixer.deliver.redact import redact

STATE_VERSION = 1
FINAL = ("opened", "updated", "unchanged", "nothing", "refused")  # not retried on a re-run


@dataclass(frozen=True)
class RepoTask:
    url: str
    base: str | None = None

    @property
    def key(self) -> str:
        """How the state file and the shard hash name the repository (no credentials)."""
        return redact(self.url) + (f"@{self.base}" if self.base else "")


@dataclass(frozen=True)
class RepoOutcome:
    repo: str
    status: str  # opened | updated | unchanged | nothing | refused | error
    pr_url: str | None = None
    branch_status: str | None = None
    fixed: int = 0
    remaining: int = 0  # clusters still without an engine that this PR does not fix
    message: str = ""
    seconds: float = 0.0


def read_repos(lines: list[str]) -> list[RepoTask]:
    """`URL [BASE]` per line; blank lines and # comments skipped; duplicates once."""
    tasks, seen = [], set()
    for line in lines:
        text = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not text:
            continue
        url, *rest = text.split()
        task = RepoTask(url, rest[0] if rest else None)
        if task.key not in seen:
            seen.add(task.key)
            tasks.append(task)
    return tasks


def parse_shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 0 <= int(index) < int(count):
        raise ValueError(f"--shard: expected I/N with 0 <= I < N (e.g. $JOB_COMPLETION_INDEX/4), got {text!r}")
    return int(index), int(count)


def in_shard(task: RepoTask, shard: tuple[int, int]) -> bool:
    """Stable: a repository stays in its shard when others are added or the list is reordered."""
    index, count = shard
    return int(hashlib.sha256(task.key.encode()).hexdigest(), 16) % count == index


class State:
    """The resumable record: one entry per finished repository, rewritten atomically each time."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = {}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ValueError(f"{path}: not an akfix bot state file ({exc}); move it away or pass another --state") from None
            if not isinstance(loaded, dict) or loaded.get("version") != STATE_VERSION:
                raise ValueError(f"{path}: not an akfix bot state file (version {STATE_VERSION} expected)")
            self.entries = loaded.get("repos", {})

    def done(self, task: RepoTask) -> bool:
        return self.entries.get(task.key, {}).get("status") in FINAL

    def record(self, outcome: RepoOutcome) -> None:
        self.entries[outcome.repo] = {**asdict(outcome), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        scratch.write_text(json.dumps({"version": STATE_VERSION, "repos": self.entries}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(scratch, self.path)


@dataclass(frozen=True)
class BotJob:
    """Everything a worker process needs, picklable."""

    options: object  # pipeline.Options
    bases: object | None  # kustomize.BasesOptions, None: no bases
    branch: object  # remediate.BranchOptions
    workdir: str | None = None


def process(task: RepoTask, job: BotJob, env: Mapping[str, str] | None = None) -> RepoOutcome:
    """Clone, fix, push and open or update the pull request for one repository. Never raises:
    every failure becomes an `error` outcome whose message holds no secret."""
    env = os.environ if env is None else env
    started = time.monotonic()
    try:
        from fixer.deliver.remediate import access_for

        access, _target, _token = access_for(task.url, job.branch, env)
        with _git_isolated():
            outcome = _clone_and_fix(task, job, env, access)
    except Exception as exc:  # one repository's failure must not stop the others
        message = f"{type(exc).__name__}: {exc}" if not isinstance(exc, (GitError, ValueError)) else str(exc)
        outcome = RepoOutcome(task.key, "error", message=redact(message, _secrets_of(env)))
    return replace(outcome, seconds=round(time.monotonic() - started, 2))


@contextmanager
def _git_isolated():
    """Every git process of this repository's run (also the file listing's `git ls-files`) with
    hooks off and the machine's configuration ignored; the environment is restored after."""
    saved = dict(os.environ)
    os.environ.update(environment(Access(isolated=True)))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _secrets_of(env) -> tuple[str, ...]:
    """Every token the environment holds: none may reach a message."""
    from fixer.deliver.forges import TOKEN_VARIABLES

    return tuple(env[v] for names in TOKEN_VARIABLES.values() for v in names if env.get(v))


def _clone_and_fix(task: RepoTask, job: BotJob, env, access) -> RepoOutcome:
    with tempfile.TemporaryDirectory(prefix="akfix-bot-", dir=job.workdir) as scratch:
            repo = clone(task.url, Path(scratch) / "repo", access, task.base)
            return _fix(repo.root, task, job, env)


def _fix(root: Path, task: RepoTask, job: BotJob, env) -> RepoOutcome:
    from fixer.deliver import pr_text
    from fixer.deliver.remediate import Refused, deliver
    from fixer.kustomize import plan_bases
    from fixer.kustomize.flows.summary import pr_sections
    from fixer.pipeline import Outcome, run

    result = run(root, job.options, verify=True)
    planned = plan_bases(result.listing, job.bases) if job.bases is not None and result.clusters else None
    changes = list(result.changes) + (list(planned.changes) if planned else [])
    fixed = sum(1 for r in result.clusters if r.outcome is Outcome.FIXED)
    remaining = sum(1 for r in result.clusters if r.remains)
    notes = "; ".join(f"{p.file}:{p.line}: {p.message}" for p in result.problems[:3])
    if not fixed:
        message = "no cluster needs a fix" if not remaining else f"{remaining} cluster(s) need a person (see akfix scan)"
        return RepoOutcome(task.key, "nothing", fixed=0, remaining=remaining, message="; ".join(filter(None, [message, notes])))
    remediation = pr_text.describe(job.options.engine, list(result.clusters), list(planned.changes) if planned else [],
                                   [n.name for n in planned.namespaces] if planned else [], job.bases.bases_dir if job.bases else "",
                                   planned.existing_policies if planned else (),
                                   pr_sections([planned] if planned else []))
    branch = replace(job.branch, base=task.base) if task.base else job.branch
    try:
        delivery = deliver(root, changes, remediation, branch, env)
    except Refused as exc:
        return RepoOutcome(task.key, "refused", fixed=fixed, remaining=remaining, message=str(exc))
    if delivery.status == "refused":
        return RepoOutcome(task.key, "refused", delivery.pr_url, delivery.status, fixed, remaining, delivery.message)
    status = delivery.pr_action or ("unchanged" if delivery.status == "unchanged" else "updated")
    if status == "unchanged" and delivery.status != "unchanged":
        status = "updated"  # the branch moved even though the text did not
    return RepoOutcome(task.key, status, delivery.pr_url, delivery.status, fixed, remaining, notes)


def run_bot(tasks: list[RepoTask], job: BotJob, state: State, workers: int, progress=None) -> tuple[list[RepoOutcome], int]:
    """(outcomes of this run, how many were skipped as already done). Ctrl-C: finished
    repositories are already in the state file; KeyboardInterrupt propagates after that."""
    todo = [t for t in tasks if not state.done(t)]
    skipped = len(tasks) - len(todo)
    outcomes: list[RepoOutcome] = []

    def finish(outcome: RepoOutcome) -> None:
        state.record(outcome)
        outcomes.append(outcome)
        if progress:
            progress(outcome)

    if workers <= 1:
        for task in todo:
            finish(process(task, job))
        return outcomes, skipped
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        pending = {pool.submit(process, task, job) for task in todo}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                finish(future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return outcomes, skipped
