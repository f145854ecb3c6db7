"""Azure DevOps Services (dev.azure.com, *.visualstudio.com) and Azure DevOps Server pull
requests, REST API 7.1. `api_url` is the organization (or collection) URL."""

from __future__ import annotations

import base64
import urllib.parse

from fixer.deliver.forges import PullRequest, PullRequestSpec, Token
from fixer.deliver.forges.http import HttpClient

API_VERSION = {"api-version": "7.1"}
_STATES = {"active": "open", "abandoned": "closed", "completed": "merged"}


def auth_headers(token: Token) -> dict[str, str]:
    if token.variable == "SYSTEM_ACCESSTOKEN":  # the pipeline's OAuth token
        return {"Authorization": f"Bearer {token.value}"}
    return {"Authorization": "Basic " + base64.b64encode(f":{token.value}".encode()).decode()}  # a PAT


class Host:
    body_limit = 4000  # Azure DevOps refuses longer descriptions

    def __init__(self, client: HttpClient, project: str):
        self.client = client
        _organization, team_project, repository = project.split("/", 2)
        quote = lambda s: urllib.parse.quote(s, safe="")  # noqa: E731
        self.base = f"/{quote(team_project)}/_apis/git/repositories/{quote(repository)}"

    def find(self, head: str, base: str) -> PullRequest | None:
        found, page = [], 100
        while True:  # Azure DevOps pages with $top/$skip, not Link headers
            params = {"searchCriteria.sourceRefName": f"refs/heads/{head}", "searchCriteria.status": "all",
                      "$top": page, "$skip": len(found), **API_VERSION}
            batch = self.client.request("GET", f"{self.base}/pullrequests", params).body.get("value", [])
            found.extend(batch)
            if len(batch) < page:
                break
        if not found:
            return None
        found.sort(key=lambda r: (r.get("status") == "active", r.get("pullRequestId", 0)), reverse=True)
        return _pull(found[0])

    def create(self, spec: PullRequestSpec) -> PullRequest:
        body = {
            "sourceRefName": f"refs/heads/{spec.head}", "targetRefName": f"refs/heads/{spec.base}",
            "title": spec.title, "description": spec.body, "isDraft": spec.draft,
        }
        if spec.labels:
            body["labels"] = [{"name": label} for label in spec.labels]
        if spec.reviewers:
            body["reviewers"] = [{"id": reviewer} for reviewer in spec.reviewers]
        if spec.work_items:
            body["workItemRefs"] = [{"id": item} for item in spec.work_items]
        return _pull(self.client.request("POST", f"{self.base}/pullrequests", API_VERSION, body).body)

    def update(self, pr: PullRequest, spec: PullRequestSpec) -> PullRequest:
        body = {k: v for k, v in (("title", spec.title), ("description", spec.body)) if getattr(pr, "body" if k == "description" else k) != v}
        if not body:
            return pr
        return _pull(self.client.request("PATCH", f"{self.base}/pullrequests/{pr.number}", API_VERSION, body).body)

    def comment(self, pr: PullRequest, text: str) -> None:
        thread = {"comments": [{"parentCommentId": 0, "content": text, "commentType": 1}], "status": 1}
        self.client.request("POST", f"{self.base}/pullRequests/{pr.number}/threads", API_VERSION, thread)


def _pull(data: dict) -> PullRequest:
    number = int(data["pullRequestId"])
    web = (data.get("repository") or {}).get("webUrl", "")
    url = f"{web}/pullrequest/{number}" if web else data.get("url", "")
    return PullRequest(number, url, _STATES.get(data.get("status", ""), "open"), data.get("title", ""), data.get("description") or "")
