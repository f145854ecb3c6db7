"""`akfix apply --branch/--push/--open-pr` end to end: a real bare git remote on disk and, per
host, a local HTTP server speaking that host's pull-request API (tests/fake_forges.py)."""

from __future__ import annotations

import shutil

import pytest
from fake_forges import AzureDevOps, GitHub, GitLab
from gitrepos import EXAMPLES, commit_message, git, person_push, remote_log, seed_remote

from fixer.cli import main

BRANCH = "akfix/network-policy-cilium"


@pytest.fixture
def github(tmp_path, monkeypatch):
    forge = GitHub(projects={}).start()
    bare, work = seed_remote(tmp_path / "remotes", "acme/infra")
    forge.projects["acme/infra"] = bare
    monkeypatch.setenv("GITHUB_TOKEN", forge.token)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    yield forge, bare, work
    forge.stop()


@pytest.fixture
def azure_devops(tmp_path, monkeypatch):
    """An Azure DevOps organization `contoso` with project `platform` and repository `aks-infra`;
    the token is a PAT unless a test sets SYSTEM_ACCESSTOKEN."""
    forge = AzureDevOps(projects={}).start()
    bare, work = seed_remote(tmp_path / "remotes", "contoso/platform/_git/aks-infra")
    forge.projects["contoso/platform/aks-infra"] = bare
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", forge.token)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)
    yield forge, bare, work, ["apply", str(work), "--open-pr", "--forge", "azure-devops", "--api-url", f"http://127.0.0.1:{forge.port}/contoso"]
    forge.stop()


def open_pr(forge, work, *extra):
    return main(["apply", str(work), "--open-pr", "--forge", "github", "--api-url", f"http://127.0.0.1:{forge.port}", *extra])


def pulls_created(forge):
    return [r for r in forge.requests if r.method == "POST" and r.path.endswith("/pulls")]


def test_first_run_opens_the_pr_and_leaves_the_working_tree_alone(github, capsys):
    forge, bare, work = github
    before = (work / "platform-aks" / "main.tf").read_bytes()

    assert open_pr(forge, work) == 0

    err = capsys.readouterr().err
    assert f"branch {BRANCH}: created from main" in err
    assert "pull request opened: https://github.example/acme/infra/pull/1" in err
    [pull] = forge.pulls
    assert (pull["state"], pull["head"]["ref"], pull["base"]["ref"]) == ("open", BRANCH, "main")
    assert pull["title"] == "akfix: enable the cilium network policy engine on 1 AKS cluster"
    body = pull["body"]
    assert "| `azurerm_kubernetes_cluster.main` | `platform-aks/main.tf` | not set → **cilium** | disruptive |" in body
    assert "reimages **every node pool**" in body
    for step in ("**staging** cluster first", "one node pool at a time", "**DNS-allow** policies before any default-deny **egress**",
                 "--query networkProfile.networkPolicy"):
        assert step in body
    assert "kind: NetworkPolicy" in body and "checkout" in body  # the generated policies, per namespace
    # The remote branch is one akfix commit on top of main, recognisable by its trailers.
    assert remote_log(bare, BRANCH)[1:] == ["Dev Person|Initial infrastructure"]
    message = commit_message(bare, BRANCH)
    assert f"Akfix-Base: {git(work, 'rev-parse', 'main')}" in message
    assert "- azurerm_kubernetes_cluster.main (platform-aks/main.tf): not set -> cilium, disruptive" in message
    assert 'network_policy      = "cilium"' in git(bare, "show", f"{BRANCH}:platform-aks/main.tf")
    # The person's checkout is exactly as it was.
    assert git(work, "status", "--porcelain") == ""
    assert git(work, "branch", "--show-current") == "main"
    assert (work / "platform-aks" / "main.tf").read_bytes() == before


def test_second_run_finds_the_pr_and_changes_nothing(github, capsys):
    forge, bare, work = github
    assert open_pr(forge, work) == 0
    tip = git(bare, "rev-parse", BRANCH)
    forge.requests.clear()

    assert open_pr(forge, work) == 0

    err = capsys.readouterr().err
    assert f"branch {BRANCH}: up to date" in err and "pull request unchanged" in err
    assert git(bare, "rev-parse", BRANCH) == tip
    assert {r.method for r in forge.requests} == {"GET"}
    assert len(forge.pulls) == 1


def test_when_the_base_moves_the_branch_is_rebuilt_and_the_pr_updated(github, capsys):
    forge, bare, work = github
    assert open_pr(forge, work) == 0
    shutil.copytree(EXAMPLES / "platform-aks", work / "platform-aks-eu")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "EU cluster")
    git(work, "push", "-q", "origin", "main")

    assert open_pr(forge, work) == 0

    assert f"branch {BRANCH}: rebuilt from main" in capsys.readouterr().err
    assert git(bare, "rev-parse", f"{BRANCH}^") == git(bare, "rev-parse", "main")
    assert len(remote_log(bare, BRANCH)) == 3  # still one akfix commit, now on the new main
    [pull] = forge.pulls
    assert pull["title"].endswith("on 2 AKS clusters")
    assert "`platform-aks-eu/main.tf`" in pull["body"]
    assert [r.method for r in forge.requests if r.path.endswith("/pulls/1")] == ["PATCH"]


def test_a_person_pushing_to_the_branch_blocks_the_update_until_recreate(github, capsys, tmp_path):
    forge, bare, work = github
    assert open_pr(forge, work) == 0
    theirs = person_push(tmp_path / "remotes", bare, BRANCH)
    capsys.readouterr()

    assert open_pr(forge, work) == 2

    err = capsys.readouterr().err
    assert "has commits akfix did not make" in err and "Jane Reviewer" in err and "--recreate" in err
    assert git(bare, "rev-parse", BRANCH) == theirs  # not overwritten

    assert open_pr(forge, work, "--recreate") == 0
    assert "Jane Reviewer|Add review notes" not in remote_log(bare, BRANCH)
    assert len(forge.pulls) == 1


def test_a_closed_pr_is_not_reopened(github, capsys):
    forge, bare, work = github
    assert open_pr(forge, work) == 0
    forge.pulls[0]["state"] = "closed"  # a person closed it without merging
    capsys.readouterr()

    assert open_pr(forge, work) == 2

    assert "pull request #1 was closed without merging" in capsys.readouterr().err
    assert not pulls_created(forge)[1:]
    assert open_pr(forge, work, "--recreate") == 0
    assert [p["state"] for p in forge.pulls] == ["closed", "open"]


def test_a_merged_pr_and_a_new_finding_open_a_new_pr(github, capsys):
    forge, bare, work = github
    assert open_pr(forge, work) == 0
    forge.pulls[0].update(state="closed", merged_at="2026-11-22T10:00:00Z")
    shutil.copytree(EXAMPLES / "platform-aks", work / "platform-aks-eu")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "EU cluster")

    assert open_pr(forge, work) == 0
    assert [p["state"] for p in forge.pulls] == ["closed", "open"]


def test_a_bad_token_stops_before_anything_is_pushed_and_is_never_printed(github, capsys, monkeypatch):
    forge, bare, work = github
    secret = "ghp_notTheRightToken0123456789abcdef"
    monkeypatch.setenv("GITHUB_TOKEN", secret)

    assert open_pr(forge, work) == 2

    out, err = capsys.readouterr()
    assert "HTTP 401: Bad credentials" in err
    assert secret not in out + err
    assert git(bare, "branch", "--list", BRANCH) == ""


def test_no_token_is_a_clear_error(github, capsys, monkeypatch):
    forge, bare, work = github
    monkeypatch.delenv("GITHUB_TOKEN")
    assert open_pr(forge, work) == 2
    assert "needs a token in $GITHUB_TOKEN or $GH_TOKEN" in capsys.readouterr().err


def test_rate_limiting_is_waited_out_as_the_host_asks(github, capsys):
    forge, bare, work = github
    forge.rate_limit_next = 1  # GitHub's primary rate limit: 403 with x-ratelimit-remaining: 0

    assert open_pr(forge, work) == 0

    first, second = forge.requests[:2]
    assert (first.method, first.path) == (second.method, second.path) == ("GET", "/repos/acme/infra/pulls")
    assert len(forge.pulls) == 1


def test_pagination_finds_the_open_pr_past_the_first_page(github, capsys):
    forge, bare, work = github
    forge.page_size = 1
    for number in (1, 2, 3):  # earlier, merged remediation PRs from the same branch
        forge.pulls.append({"project": "acme/infra", "number": number, "state": "closed", "merged_at": "2026-01-01T00:00:00Z",
                            "title": "old", "body": "", "head": {"ref": BRANCH}, "base": {"ref": "main"}, "labels": [],
                            "requested_reviewers": [], "comments": [], "html_url": f"https://github.example/acme/infra/pull/{number}"})
    assert open_pr(forge, work) == 0
    assert open_pr(forge, work) == 0
    assert [p["state"] for p in forge.pulls] == ["closed", "closed", "closed", "open"]
    assert any("page" in r.query for r in forge.requests)


def test_labels_reviewers_and_draft_reach_github(github):
    forge, bare, work = github
    assert open_pr(forge, work, "--label", "security", "--label", "aks", "--reviewer", "octocat", "--reviewer", "acme/platform", "--draft") == 0
    [pull] = forge.pulls
    assert pull["draft"] is True
    assert pull["labels"] == ["aks", "security"]
    assert pull["requested_reviewers"] == ["octocat", "team:platform"]


def test_a_dirty_working_tree_is_refused_and_kept(github, capsys):
    forge, bare, work = github
    tf = work / "platform-aks" / "main.tf"
    tf.write_text(tf.read_text() + "# work in progress\n")

    assert open_pr(forge, work) == 2

    assert "uncommitted changes (platform-aks/main.tf)" in capsys.readouterr().err
    assert tf.read_text().endswith("# work in progress\n")
    assert forge.requests == [] and git(bare, "branch", "--list", BRANCH) == ""


def test_dry_run_with_a_branch_only_shows_the_diff(github, capsys):
    forge, bare, work = github
    assert open_pr(forge, work, "--dry-run") == 1
    assert '+    network_policy      = "cilium"' in capsys.readouterr().out
    assert forge.requests == [] and git(work, "branch", "--list", BRANCH) == ""


def test_branch_without_push_is_local_only(github, capsys):
    forge, bare, work = github
    assert main(["apply", str(work), "--branch", "fix/np"]) == 0
    assert git(work, "log", "-1", "--format=%s", "fix/np").startswith("akfix: enable")
    assert git(bare, "branch", "--list", "fix/np") == ""
    assert main(["apply", str(work), "--branch", "fix/np"]) == 0
    assert "branch fix/np: up to date" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["-x", "a..b", "a b", "x.lock", "/x"])
def test_bad_branch_names_are_usage_errors(github, capsys, name):
    forge, bare, work = github
    assert main(["apply", str(work), f"--branch={name}"]) == 2
    assert "not a valid branch name" in capsys.readouterr().err


def test_azure_devops_long_description_moves_to_a_comment(azure_devops, monkeypatch, capsys):
    forge, bare, work, command = azure_devops
    monkeypatch.setenv("SYSTEM_ACCESSTOKEN", forge.token)
    args = command + ["--work-item", "4711", "--label", "security", "--draft", "--reviewer", "5e6f0000-0000-4000-8000-000000000001"]
    assert main(args) == 0
    [pull] = forge.pulls
    assert len(pull["description"]) <= 4000
    assert "continued in the first comment: Generated policies" in pull["description"]
    assert "## Rollout checklist" in pull["description"]
    [thread] = pull["threads"]
    assert thread["comments"][0]["content"].startswith("## Generated policies")
    assert (pull["isDraft"], pull["workItemRefs"], pull["labels"]) == (True, [{"id": "4711"}], [{"name": "security"}])
    assert pull["reviewers"] == [{"id": "5e6f0000-0000-4000-8000-000000000001"}]
    assert forge.requests[0].headers["Authorization"] == f"Bearer {forge.token}"
    assert "pull request opened: https://dev.azure.example/contoso/platform/_git/aks-infra/pullrequest/1" in capsys.readouterr().err
    assert main(args) == 0  # found by source branch: not duplicated, no second comment
    assert len(forge.pulls) == 1 and len(pull["threads"]) == 1


def test_gitlab_merge_request_with_nested_groups(tmp_path, monkeypatch, capsys):
    forge = GitLab(projects={}).start()
    try:
        bare, work = seed_remote(tmp_path / "remotes", "platform/team/aks")
        forge.projects["platform/team/aks"] = bare
        monkeypatch.setenv("GITLAB_TOKEN", forge.token)
        args = ["apply", str(work), "--open-pr", "--forge", "gitlab", "--forge-project", "platform/team/aks",
                "--api-url", f"http://127.0.0.1:{forge.port}/api/v4", "--draft", "--label", "security"]
        assert main(args) == 0
        [mr] = forge.pulls
        assert mr["title"].startswith("Draft: akfix: enable the cilium")
        assert (mr["source_branch"], mr["target_branch"], mr["labels"]) == (BRANCH, "main", ["security"])
        assert forge.requests[0].path == "/api/v4/projects/platform%2Fteam%2Faks/merge_requests"
        assert main(args) == 0
        assert len(forge.pulls) == 1
        assert "pull request unchanged" in capsys.readouterr().err
    finally:
        forge.stop()


def test_a_pr_opened_meanwhile_is_updated_not_duplicated(github, capsys):
    forge, bare, work = github
    assert open_pr(forge, work) == 0
    forge.pulls[0]["body"] = "edited by a parallel run"
    forge.hide_next_listing = 1  # our look misses it; the create gets 422 "already exists"
    assert open_pr(forge, work) == 0
    assert len(forge.pulls) == 1 and forge.pulls[0]["body"].startswith("This pull request was opened by akfix")
    assert "pull request updated" in capsys.readouterr().err


def test_azure_devops_409_on_create_falls_back_to_update(azure_devops):
    forge, bare, work, command = azure_devops
    assert main(command) == 0
    forge.pulls[0]["title"] = "renamed"
    forge.hide_next_listing = 1
    assert main(command) == 0
    assert len(forge.pulls) == 1 and forge.pulls[0]["title"].startswith("akfix: enable")
    assert [r.method for r in forge.requests if r.method != "GET"] == ["POST", "POST", "POST", "PATCH", "POST"]  # PR, thread, 409, update, thread
    assert forge.requests[0].headers["Authorization"].startswith("Basic ")  # a PAT


def test_an_unknown_project_is_reported_with_the_hosts_words(azure_devops, capsys):
    forge, bare, work, command = azure_devops
    forge.projects.clear()
    assert main(command) == 2
    assert "HTTP 404: TF401019: The Git repository with name or identifier aks-infra does not exist" in capsys.readouterr().err
    assert git(bare, "branch", "--list", BRANCH) == ""


def test_json_output_carries_the_delivery(github, capsys):
    import json

    forge, bare, work = github
    assert open_pr(forge, work, "--format", "json") == 0
    delivery = json.loads(capsys.readouterr().out)["delivery"]
    assert (delivery["status"], delivery["pushed"], delivery["pull_request"]["action"]) == ("created", True, "opened")
    assert delivery["commit"] == git(bare, "rev-parse", BRANCH)
    assert "platform-aks/main.tf" in delivery["files"]


def test_only_bases_pending_gets_a_policies_title(github, capsys):
    forge, bare, work = github
    tf = work / "platform-aks" / "main.tf"
    assert main(["apply", str(tf.parent), "--no-bases"]) == 0  # the cluster is fixed on main already
    git(work, "commit", "-qam", "Cilium")
    assert open_pr(forge, work) == 0
    assert forge.pulls[0]["title"] == "akfix: add default-deny + DNS-allow network policies"


def test_the_host_is_told_by_a_github_remote_url(github, capsys):
    forge, bare, work = github
    # origin names github.com; git fetches and pushes the bare repository instead (insteadOf).
    git(work, "remote", "set-url", "origin", "https://github.com/acme/infra.git")
    git(work, "config", f"url.{bare}.insteadOf", "https://github.com/acme/infra.git")
    assert main(["apply", str(work), "--open-pr", "--api-url", f"http://127.0.0.1:{forge.port}"]) == 0
    assert forge.requests[0].path == "/repos/acme/infra/pulls"
    assert git(bare, "branch", "--list", BRANCH).strip() == BRANCH


def test_on_the_remediation_branch_or_detached_head_akfix_says_what_to_check_out(github, capsys):
    forge, bare, work = github
    assert main(["apply", str(work), "--branch"]) == 0
    git(work, "switch", "-q", BRANCH)
    assert main(["apply", str(work), "--branch"]) == 2
    assert "is the remediation branch itself" in capsys.readouterr().err
    git(work, "switch", "-q", "--detach", "main")
    assert main(["apply", str(work), "--branch"]) == 2
    assert "HEAD is not on a branch" in capsys.readouterr().err
    assert main(["apply", str(work), "--branch", "--base", "main"]) == 0


def test_outside_a_git_repository_branch_mode_is_refused(tmp_path, capsys):
    shutil.copytree(EXAMPLES / "platform-aks", tmp_path / "plain")
    assert main(["apply", str(tmp_path / "plain"), "--branch"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err
    assert (tmp_path / "plain" / "main.tf").read_bytes() == (EXAMPLES / "platform-aks" / "main.tf").read_bytes()  # untouched


def test_a_push_racing_ours_is_never_overwritten(github, capsys, tmp_path, monkeypatch):
    from fixer.deliver.git import Repository

    forge, bare, work = github
    assert open_pr(forge, work) == 0
    shutil.copytree(EXAMPLES / "platform-aks", work / "platform-aks-eu")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "EU cluster")
    real_push, theirs = Repository.push, []

    def push_after_someone_else(self, *args, **kwargs):
        theirs.append(person_push(tmp_path / "remotes", bare, BRANCH))  # lands between our look and our push
        return real_push(self, *args, **kwargs)

    monkeypatch.setattr(Repository, "push", push_after_someone_else)
    assert open_pr(forge, work) == 2
    assert "changed while akfix worked; nothing overwritten" in capsys.readouterr().err
    assert git(bare, "rev-parse", BRANCH) == theirs[0]
