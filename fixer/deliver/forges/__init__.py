"""Pull-request hosts: which one a remote belongs to, its token, and one module per host's API.

Each host module offers the same four calls (find, create, update, comment) over the host's
documented REST API; delivery never needs to know which host it talks to.
"""

from __future__ import annotations

import base64
import os
import re
import urllib.parse
from dataclasses import dataclass
from typing import Mapping, Protocol

FORGES = ("github", "azure-devops", "gitlab")

# Where each host's token comes from, first found wins (tokens are read from the environment only).
TOKEN_VARIABLES = {
    "github": ("GITHUB_TOKEN", "GH_TOKEN"),
    "azure-devops": ("SYSTEM_ACCESSTOKEN", "AZURE_DEVOPS_EXT_PAT"),
    "gitlab": ("GITLAB_TOKEN",),
}


@dataclass(frozen=True)
class ForgeTarget:
    """A repository on a host: `project` is owner/name (GitHub), the full group path (GitLab)
    or organization/project/repository (Azure DevOps)."""

    kind: str
    api_url: str
    project: str


@dataclass(frozen=True)
class Token:
    value: str
    variable: str  # the environment variable it came from: said in messages, never the value

    def __repr__(self) -> str:  # a token must not appear in a traceback or a log line
        return f"Token(from ${self.variable})"


@dataclass(frozen=True)
class PullRequestSpec:
    title: str
    body: str
    head: str
    base: str
    draft: bool = False
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    work_items: tuple[str, ...] = ()  # Azure DevOps work-item ids to link


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    state: str  # open | closed | merged
    title: str
    body: str


class Forge(Protocol):
    body_limit: int | None

    def find(self, head: str, base: str) -> PullRequest | None:
        """The newest pull request from `head` (open ones first), in any state."""

    def create(self, spec: PullRequestSpec) -> PullRequest: ...

    def update(self, pr: PullRequest, spec: PullRequestSpec) -> PullRequest: ...

    def comment(self, pr: PullRequest, text: str) -> None: ...


class ForgeError(Exception):
    """The host refused or could not be reached; `status` is the HTTP status (0: no answer)."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class ForgeSetupError(Exception):
    """Not enough to talk to a host (unknown host, no token): a usage error."""


def token_for(kind: str, env: Mapping[str, str] = os.environ) -> Token:
    for variable in TOKEN_VARIABLES[kind]:
        if env.get(variable):
            return Token(env[variable], variable)
    names = " or ".join(f"${v}" for v in TOKEN_VARIABLES[kind])
    raise ForgeSetupError(f"opening a pull request on {kind} needs a token in {names}")


def git_auth_header(kind: str, token: Token) -> str:
    """The HTTP header git sends to push over HTTPS with this token."""
    if kind == "azure-devops" and token.variable == "SYSTEM_ACCESSTOKEN":
        return f"Authorization: Bearer {token.value}"
    user = {"github": "x-access-token", "gitlab": "oauth2", "azure-devops": ""}[kind]
    return "Authorization: Basic " + base64.b64encode(f"{user}:{token.value}".encode()).decode()


_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!//).+)$")


def _host_and_path(url: str) -> tuple[str, list[str]]:
    """(host, path segments) of https://, ssh://, scp-like (git@host:path) and file remotes."""
    if "://" in url:
        parts = urllib.parse.urlsplit(url)
        host, path = (parts.hostname or "").lower(), parts.path
    elif (match := _SCP.match(url)) and not os.path.isabs(url):
        host, path = match["host"].lower(), match["path"]
    else:
        host, path = "", url
    segments = [urllib.parse.unquote(s) for s in path.split("/") if s]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][:-4]
    return host, segments


def detect(url: str, kind: str | None = None, api_url: str | None = None, project: str | None = None) -> ForgeTarget:
    """The host and project of a remote URL; `kind`, `api_url`, `project` override what the URL
    says (GitHub Enterprise, self-managed GitLab, Azure DevOps Server, mirrors)."""
    host, segments = _host_and_path(url)
    if kind is None:
        if host == "github.com":
            kind = "github"
        elif host in ("dev.azure.com", "ssh.dev.azure.com") or host.endswith(".visualstudio.com"):
            kind = "azure-devops"
        elif host == "gitlab.com":
            kind = "gitlab"
        else:
            raise ForgeSetupError(f"cannot tell the pull-request host from the remote URL {redact_url(url)}: pass --forge {'|'.join(FORGES)}")
    if project is None:
        project = _project_from(kind, host, segments, url)
    if api_url is None:
        api_url = _default_api(kind, host, project)
    return ForgeTarget(kind, api_url.rstrip("/"), project.strip("/"))


def _project_from(kind: str, host: str, segments: list[str], url: str) -> str:
    if kind == "azure-devops":
        if "_git" in segments:  # https://dev.azure.com/org/project/_git/repo, org.visualstudio.com/[DefaultCollection/]project/_git/repo
            at = segments.index("_git")
            if host.endswith(".visualstudio.com"):
                organization = host.split(".", 1)[0]
                before = [s for s in segments[:at] if s.lower() != "defaultcollection"]
                if before and before[-1:]:
                    return f"{organization}/{before[-1]}/{segments[at + 1]}"
            if at >= 2 and at + 1 < len(segments):
                return f"{segments[at - 2]}/{segments[at - 1]}/{segments[at + 1]}"
        if host == "ssh.dev.azure.com" and len(segments) >= 4 and segments[0] == "v3":  # git@ssh.dev.azure.com:v3/org/project/repo
            return "/".join(segments[1:4])
        if len(segments) >= 3:
            return "/".join(segments[-3:])
    elif kind == "gitlab" and host:
        if segments:
            return "/".join(segments)  # nested groups: the whole path
    elif len(segments) >= 2:
        return "/".join(segments[-2:])
    raise ForgeSetupError(f"cannot tell the {kind} project from {redact_url(url)}: pass --forge-project")


def _default_api(kind: str, host: str, project: str) -> str:
    if kind == "github":
        return "https://api.github.com" if host in ("github.com", "") else f"https://{host}/api/v3"
    if kind == "gitlab":
        return f"https://{host or 'gitlab.com'}/api/v4"
    return f"https://dev.azure.com/{project.split('/', 1)[0]}"


def redact_url(url: str) -> str:
    from fixer.deliver.redact import redact

    return redact(url)


def connect(target: ForgeTarget, token: Token, sleep=None) -> Forge:
    """The API client for one repository on its host."""
    from fixer.deliver.forges import azure_devops, github, gitlab
    from fixer.deliver.forges.http import HttpClient

    module = {"github": github, "azure-devops": azure_devops, "gitlab": gitlab}[target.kind]
    client = HttpClient(target.api_url, module.auth_headers(token), secrets=(token.value,))
    if sleep is not None:
        client.sleep = sleep
    return module.Host(client, target.project)


__all__ = [
    "FORGES", "Forge", "ForgeError", "ForgeSetupError", "ForgeTarget", "PullRequest", "PullRequestSpec",
    "Token", "connect", "detect", "git_auth_header", "token_for",
]
