"""GitHub (github.com and Enterprise Server) pull requests, REST API 2022-11-28."""

from __future__ import annotations

import urllib.parse

from fixer.deliver.forges import PullRequest, PullRequestSpec, Token
from fixer.deliver.forges.http import HttpClient


def auth_headers(token: Token) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.value}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class Host:
    body_limit = 65536  # GitHub rejects longer bodies with 422

    def __init__(self, client: HttpClient, project: str):
        self.client = client
        self.owner, self.name = project.split("/", 1)
        self.base = f"/repos/{urllib.parse.quote(self.owner)}/{urllib.parse.quote(self.name)}"

    def find(self, head: str, base: str) -> PullRequest | None:
        pulls = self.client.paginate(f"{self.base}/pulls", {"head": f"{self.owner}:{head}", "state": "all", "per_page": 100})
        pulls = [p for p in pulls if p.get("head", {}).get("ref") == head]
        if not pulls:
            return None
        pulls.sort(key=lambda p: (p.get("state") == "open", p.get("number", 0)), reverse=True)
        return _pull(pulls[0])

    def create(self, spec: PullRequestSpec) -> PullRequest:
        created = self.client.request("POST", f"{self.base}/pulls", body={
            "title": spec.title, "head": spec.head, "base": spec.base, "body": spec.body, "draft": spec.draft,
        }).body
        pull = _pull(created)
        self._decorate(pull, spec)
        return pull

    def update(self, pr: PullRequest, spec: PullRequestSpec) -> PullRequest:
        changed = {k: v for k, v in (("title", spec.title), ("body", spec.body)) if getattr(pr, k) != v}
        if changed:
            pr = _pull(self.client.request("PATCH", f"{self.base}/pulls/{pr.number}", body=changed).body)
        self._decorate(pr, spec)
        return pr

    def comment(self, pr: PullRequest, text: str) -> None:
        self.client.request("POST", f"{self.base}/issues/{pr.number}/comments", body={"body": text})

    def _decorate(self, pr: PullRequest, spec: PullRequestSpec) -> None:
        if spec.labels:  # adding labels that are already there is a no-op on GitHub
            self.client.request("POST", f"{self.base}/issues/{pr.number}/labels", body={"labels": list(spec.labels)})
        if spec.reviewers:
            teams = [r.split("/", 1)[1] for r in spec.reviewers if "/" in r]
            people = [r for r in spec.reviewers if "/" not in r]
            self.client.request("POST", f"{self.base}/pulls/{pr.number}/requested_reviewers", body={"reviewers": people, "team_reviewers": teams})


def _pull(data: dict) -> PullRequest:
    state = "merged" if data.get("merged_at") else data.get("state", "open")
    return PullRequest(int(data["number"]), data.get("html_url", ""), state, data.get("title", ""), data.get("body") or "")
