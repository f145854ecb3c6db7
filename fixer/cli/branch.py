"""Command-line options for delivering as a branch and a pull request (apply and bot share them)."""

from __future__ import annotations

import argparse
import re

from fixer.deliver.forges import FORGES

# What `git check-ref-format --branch` accepts, minus the rarely wanted corners.
_BRANCH = re.compile(r"^(?![-/.])(?!.*\.\.)(?!.*//)(?!.*@\{)[A-Za-z0-9._/+-]+(?<![/.])(?<!\.lock)$")
_AUTHOR = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")


def add_branch_options(parser: argparse.ArgumentParser, bot: bool = False) -> None:
    group = parser.add_argument_group("branch and pull request")
    if not bot:
        group.add_argument("--branch", nargs="?", const="", default=None, metavar="NAME",
                           help="commit the fixes to a branch instead of the working tree (default name: akfix/network-policy-<engine>)")
        group.add_argument("--base", metavar="BRANCH", help="the branch the pull request targets (default: the checked-out branch)")
        group.add_argument("--remote", default="origin", metavar="NAME", help="the remote to push to (default: origin)")
        group.add_argument("--push", action="store_true", help="push the branch (implies --branch)")
        group.add_argument("--open-pr", action="store_true", help="open or update the pull request (implies --push)")
    else:
        group.add_argument("--branch", default=None, metavar="NAME", help="the branch name (default: akfix/network-policy-<engine>)")
        group.add_argument("--no-pr", action="store_true", help="push branches but open no pull requests")
    group.add_argument("--recreate", action="store_true",
                       help="rebuild a branch someone else pushed to, and open a new pull request where one was closed")
    group.add_argument("--draft", action="store_true", help="open pull requests as drafts")
    group.add_argument("--label", action="append", default=[], metavar="LABEL", help="a label for the pull request (repeatable)")
    group.add_argument("--reviewer", action="append", default=[], metavar="WHO",
                       help="a reviewer: GitHub login or org/team, GitLab user id, Azure DevOps identity id (repeatable)")
    group.add_argument("--work-item", action="append", default=[], metavar="ID", help="an Azure DevOps work item to link (repeatable)")
    group.add_argument("--forge", choices=FORGES, help="the pull-request host, when the remote URL does not say it")
    group.add_argument("--api-url", metavar="URL",
                       help="the host's API root: GitHub Enterprise https://HOST/api/v3, GitLab https://HOST/api/v4, "
                            "Azure DevOps Server https://HOST/COLLECTION (also $AKFIX_API_URL)")
    group.add_argument("--forge-project", metavar="PATH",
                       help="the repository on the host when the remote URL does not say it: owner/name, group/sub/name, org/project/repo")
    group.add_argument("--author", metavar="'NAME <EMAIL>'", help="the commit author (default: git's user, else akfix)")


def branch_options(args: argparse.Namespace, bot: bool = False):
    """The delivery the options ask for (remediate.BranchOptions), or None to write the working
    tree as usual. Imported late: `akfix --help` and scans need none of git or the hosts."""
    if not bot and args.branch is None and not args.push and not args.open_pr:
        return None
    from fixer.deliver.git import Identity
    from fixer.deliver.remediate import BranchOptions, default_branch

    if args.branch and not _BRANCH.match(args.branch):
        raise ValueError(f"--branch: not a valid branch name: {args.branch!r}")
    author = None
    if args.author:
        match = _AUTHOR.match(args.author)
        if not match:
            raise ValueError(f"--author: expected 'Name <email>', got {args.author!r}")
        author = Identity(match["name"], match["email"])
    return BranchOptions(
        branch=args.branch or default_branch(args.engine),
        base=None if bot else args.base,
        remote="origin" if bot else args.remote,
        push=True if bot else (args.push or args.open_pr),
        open_pr=(not args.no_pr) if bot else args.open_pr,
        recreate=args.recreate,
        draft=args.draft,
        labels=tuple(args.label),
        reviewers=tuple(args.reviewer),
        work_items=tuple(args.work_item),
        forge=args.forge,
        api_url=args.api_url,
        project=None if bot else args.forge_project,
        author=author,
        isolated=bot,
    )
