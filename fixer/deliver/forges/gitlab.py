"""GitLab (gitlab.com and self-managed) merge requests, REST API v4."""

from __future__ import annotations

import urllib.parse

from fixer.deliver.forges import PullRequest, PullRequestSpec, Token
from fixer.deliver.forges.http import HttpClient

_STATES = {"opened": "open", "closed": "closed", "merged": "merged", "locked": "closed"}


def auth_headers(token: Token) -> dict[str, str]:
    return {"PRIVATE-TOKEN": token.value}


class Host:
    body_limit = 1_000_000  # GitLab's description limit

    def __init__(self, client: HttpClient, project: str):
        self.client = client
        self.base = f"/projects/{urllib.parse.quote(project, safe='')}"

    def find(self, head: str, base: str) -> PullRequest | None:
        requests = self.client.paginate(f"{self.base}/merge_requests", {"source_branch": head, "state": "all", "per_page": 100})
        if not requests:
            return None
        requests.sort(key=lambda r: (r.get("state") == "opened", r.get("iid", 0)), reverse=True)
        return _request(requests[0])

    def create(self, spec: PullRequestSpec) -> PullRequest:
        body = {
            "source_branch": spec.head, "target_branch": spec.base, "title": _title(spec),
            "description": spec.body, "remove_source_branch": True,
        }
        if spec.labels:
            body["labels"] = ",".join(spec.labels)
        if spec.reviewers:
            body["reviewer_ids"] = [int(r) for r in spec.reviewers]
        return _request(self.client.request("POST", f"{self.base}/merge_requests", body=body).body)

    def update(self, pr: PullRequest, spec: PullRequestSpec) -> PullRequest:
        body = {}
        if pr.title != spec.title:
            body["title"] = _title(spec)
        if pr.body != spec.body:
            body["description"] = spec.body
        if spec.labels:
            body["add_labels"] = ",".join(spec.labels)
        if not body:
            return pr
        return _request(self.client.request("PUT", f"{self.base}/merge_requests/{pr.number}", body=body).body)

    def comment(self, pr: PullRequest, text: str) -> None:
        self.client.request("POST", f"{self.base}/merge_requests/{pr.number}/notes", body={"body": text})


def _title(spec: PullRequestSpec) -> str:
    return f"Draft: {spec.title}" if spec.draft else spec.title  # GitLab marks drafts by title


def _request(data: dict) -> PullRequest:
    title = data.get("title", "")
    for prefix in ("Draft: ", "Draft:", "[Draft] ", "(Draft) "):  # how GitLab marks drafts; compared without it
        title = title.removeprefix(prefix)
    return PullRequest(int(data["iid"]), data.get("web_url", ""), _STATES.get(data.get("state", ""), "open"), title, data.get("description") or "")
