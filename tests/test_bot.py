"""`akfix bot` across several bare repositories on disk and a local GitHub API server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_forges import GitHub
from gitrepos import commit_message, git, seed_remote

from fixer.cli import main
from fixer.deliver import bot as bot_module
from fixer.deliver.bot import RepoTask, in_shard, parse_shard, read_repos

BRANCH = "akfix/network-policy-cilium"


@pytest.fixture
def org(tmp_path, monkeypatch):
    """Four repositories: two fixable, one needing a person (calico -> cilium), one without clusters."""
    forge = GitHub(projects={}).start()
    remotes = tmp_path / "remotes"
    layout = {"acme/infra": ("platform-aks", "apps"), "acme/infra-eu": ("platform-aks",),
              "acme/legacy": ("legacy-calico",), "acme/apps": ("apps",)}
    for project, examples in layout.items():
        forge.projects[project] = seed_remote(remotes, project, examples)[0]
    monkeypatch.setenv("GITHUB_TOKEN", forge.token)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    yield forge, tmp_path
    forge.stop()


def run_bot(forge, tmp_path, *extra, workers="1"):
    repos = [str(forge.projects[p]) for p in forge.projects]
    return main(["bot", *repos, "--forge", "github", "--api-url", f"http://127.0.0.1:{forge.port}",
                 "--state", str(tmp_path / "state.json"), "--workers", workers, "--workdir", str(tmp_path), *extra])


def state(tmp_path) -> dict:
    return {Path(k).stem: v for k, v in json.loads((tmp_path / "state.json").read_text())["repos"].items()}


def test_bot_opens_one_pr_per_fixable_repository(org, capsys):
    forge, tmp_path = org
    assert run_bot(forge, tmp_path, "--workers", "2", "--label", "security") == 1  # acme/legacy still needs a person

    entries = state(tmp_path)
    assert {k: v["status"] for k, v in entries.items()} == {"infra": "opened", "infra-eu": "opened", "legacy": "nothing", "apps": "nothing"}
    assert entries["legacy"]["remaining"] == 1 and "need a person" in entries["legacy"]["message"]
    assert sorted(p["project"] for p in forge.pulls) == ["acme/infra", "acme/infra-eu"]
    assert all(p["labels"] == ["security"] for p in forge.pulls)
    out = capsys.readouterr().out
    assert "4 repositories: 2 nothing, 2 opened" in out
    assert "https://github.example/acme/infra/pull/" in out
    assert not list(tmp_path.glob("akfix-bot-*"))  # clones are cleaned up


def test_a_rerun_skips_finished_repositories(org, capsys):
    forge, tmp_path = org
    run_bot(forge, tmp_path)
    forge.requests.clear()

    assert run_bot(forge, tmp_path) == 1

    assert forge.requests == []
    assert "(4 already done in an earlier run)" in capsys.readouterr().out
    assert run_bot(forge, tmp_path, "--rerun") == 1  # --rerun processes everything again: finds the PRs
    assert len(forge.pulls) == 2 and not [r for r in forge.requests if r.method == "POST"]


def test_a_network_error_mid_run_is_resumed_by_the_next_run(org, capsys):
    forge, tmp_path = org
    forge.drop_for = {"acme/infra-eu"}
    forge.drop_method = "POST"  # the branch is pushed, then the host stops answering

    assert run_bot(forge, tmp_path) == 2

    entries = state(tmp_path)
    assert entries["infra-eu"]["status"] == "error" and "no answer from the host" in entries["infra-eu"]["message"]
    assert entries["infra"]["status"] == "opened"
    assert git(forge.projects["acme/infra-eu"], "branch", "--list", BRANCH).strip() == BRANCH
    forge.drop_for = set()
    forge.requests.clear()

    assert run_bot(forge, tmp_path) == 1

    entries = state(tmp_path)
    assert entries["infra-eu"]["status"] == "opened" and entries["infra-eu"]["branch_status"] == "unchanged"
    assert {r.path.split("/")[3] for r in forge.requests} == {"infra-eu"}  # only the unfinished one
    assert len(forge.pulls) == 2


def test_ctrl_c_keeps_finished_repositories_and_the_rerun_continues(org, capsys, monkeypatch):
    forge, tmp_path = org
    real, calls = bot_module.process, []

    def interrupted_on_second(task, job, env=None):
        calls.append(task.key)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task, job, env)

    monkeypatch.setattr(bot_module, "process", interrupted_on_second)
    assert run_bot(forge, tmp_path) == 130
    assert "1 of 4 repositories are recorded" in capsys.readouterr().err
    assert len(state(tmp_path)) == 1

    monkeypatch.setattr(bot_module, "process", real)
    assert run_bot(forge, tmp_path) == 1
    assert len(state(tmp_path)) == 4 and "(1 already done in an earlier run)" in capsys.readouterr().out


def test_tokens_never_reach_output_state_or_commits(org, capsys, monkeypatch):
    forge, tmp_path = org
    secret = forge.token
    leaky = f"https://x-access-token:{secret}@127.0.0.1:9/acme/gone.git"  # credentials in a URL, nothing listening
    repos = [str(forge.projects["acme/infra"]), leaky]
    code = main(["bot", *repos, "--forge", "github", "--api-url", f"http://127.0.0.1:{forge.port}",
                 "--state", str(tmp_path / "state.json"), "--workers", "1", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2
    saved = (tmp_path / "state.json").read_text()
    assert secret not in out + err + saved
    assert "https://***@127.0.0.1:9/acme/gone.git" in saved
    assert secret not in commit_message(forge.projects["acme/infra"], BRANCH)
    assert secret not in json.dumps([p["body"] for p in forge.pulls])


def test_the_bot_runs_no_code_from_configuration_or_repositories(org, tmp_path, monkeypatch, capsys):
    forge, _ = org
    marker = tmp_path / "ran"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "pre-push", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\necho {hook} >> {marker}\n")
        (hooks / hook).chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(f"[core]\n\thooksPath = {hooks}\n[filter \"evil\"]\n\tsmudge = \"sh -c 'echo smudge >> {marker}; cat'\"\n\tclean = cat\n")
    work = tmp_path / "work" / "acme" / "infra"
    (work / ".gitattributes").write_text("*.tf filter=evil\n")
    git(work, "add", ".gitattributes")
    git(work, "commit", "-qm", "attributes")
    git(work, "push", "-q", "origin", "main")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))  # a machine whose git config would run code

    assert run_bot(forge, tmp_path) == 1
    assert not marker.exists()
    assert state(tmp_path)["infra"]["status"] == "opened"


def test_repos_file_comments_bases_and_duplicates():
    tasks = read_repos(["# org repos", "", "https://github.com/acme/a.git", "https://github.com/acme/b.git release  # trailing",
                        "https://github.com/acme/a.git"])
    assert tasks == [RepoTask("https://github.com/acme/a.git"), RepoTask("https://github.com/acme/b.git", "release")]


def test_shards_partition_the_list_stably():
    tasks = [RepoTask(f"https://github.com/acme/repo-{i}.git") for i in range(200)]
    shards = [[t for t in tasks if in_shard(t, (i, 4))] for i in range(4)]
    assert sorted(t.url for s in shards for t in s) == sorted(t.url for t in tasks)
    assert all(20 < len(s) < 80 for s in shards)  # roughly even
    assert [t for t in reversed(tasks) if in_shard(t, (1, 4))] == list(reversed(shards[1]))


@pytest.mark.parametrize("text", ["4/4", "-1/4", "a/b", "1", "0/0"])
def test_bad_shards_are_refused(text):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


def test_a_shard_processes_only_its_repositories(org, capsys):
    forge, tmp_path = org
    assert run_bot(forge, tmp_path, "--shard", "0/2", "--format", "json") in (0, 1)
    # The repositories' URLs hold the temporary path, so a shard may be empty (no state written).
    first = set(state(tmp_path)) if (tmp_path / "state.json").exists() else set()
    (tmp_path / "state.json").unlink(missing_ok=True)
    run_bot(forge, tmp_path, "--shard", "1/2")
    second = set(state(tmp_path)) if (tmp_path / "state.json").exists() else set()
    assert first.isdisjoint(second) and len(first | second) == 4


def test_a_corrupt_state_file_is_a_clear_error(org, capsys):
    forge, tmp_path = org
    (tmp_path / "state.json").write_text("{not json")
    assert run_bot(forge, tmp_path) == 2
    assert "not an akfix bot state file" in capsys.readouterr().err
