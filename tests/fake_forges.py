"""Local HTTP servers that speak the pull-request APIs akfix uses, with the request and response
shapes the hosts document: GitHub REST 2022-11-28, Azure DevOps Git 7.1, GitLab v4.

Each server keeps its pull requests in memory, checks the token, pages its lists, and can be told
to misbehave: rate-limit the next requests, or drop connections (a network error).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: object


@dataclass
class FakeForge:
    """State and faults shared by the three hosts; subclasses route requests."""

    token: str = "t0ken-for-tests-0123456789"
    projects: dict = field(default_factory=dict)  # project path -> bare git dir (or None)
    pulls: list = field(default_factory=list)  # dicts in the host's own shape
    requests: list = field(default_factory=list)
    page_size: int = 100
    rate_limit_next: int = 0  # answer this many requests with the host's rate-limit response
    drop_for: set = field(default_factory=set)  # project paths whose requests lose the connection
    drop_method: str | None = None  # only requests with this method are dropped (None: all)
    hide_next_listing: int = 0  # list endpoints answer empty this many times (a PR opened by a parallel run)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self):
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _handle(self):
                split = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query).items()}
                with forge.lock:
                    forge.requests.append(Recorded(self.command, split.path, query, dict(self.headers), body))
                    if any(p in urllib.parse.unquote(split.path) for p in forge.drop_for) and forge.drop_method in (None, self.command):
                        self.close_connection = True
                        self.connection.shutdown(2)  # no answer at all: the client sees a reset
                        return
                    if forge.rate_limit_next > 0:
                        forge.rate_limit_next -= 1
                        status, headers, payload = forge.rate_limited()
                    elif not forge.authorised(self.headers):
                        status, headers, payload = forge.unauthorised()
                    elif forge.hide_next_listing and self.command == "GET":
                        forge.hide_next_listing -= 1
                        status, headers, payload = 200, {}, forge.empty_listing()
                    else:
                        status, headers, payload = forge.route(self.command, split.path, query, body, f"http://127.0.0.1:{forge.port}")
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- helpers for subclasses -------------------------------------------------------------

    def branch_exists(self, project: str, branch: str) -> bool:
        git_dir = self.projects.get(project)
        if git_dir is None:
            return True
        done = subprocess.run(["git", "--git-dir", str(git_dir), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], capture_output=True)
        return done.returncode == 0

    def page(self, items: list, query: dict, base_url: str, path: str, page_key: str = "page") -> tuple[list, dict]:
        """RFC 5988 Link pagination over `items` as GitHub and GitLab do it."""
        size = min(int(query.get("per_page", 30)), self.page_size)
        number = int(query.get(page_key, 1))
        chunk = items[(number - 1) * size: number * size]
        headers = {}
        if number * size < len(items):
            following = dict(query, **{page_key: str(number + 1)})
            headers["Link"] = f'<{base_url}{path}?{urllib.parse.urlencode(following)}>; rel="next"'
            headers["X-Next-Page"] = str(number + 1)
        return chunk, headers

    def empty_listing(self):
        return []

    def find(self, **criteria):
        return [p for p in self.pulls if all(p.get(k) == v for k, v in criteria.items())]


class GitHub(FakeForge):
    """https://docs.github.com/en/rest/pulls/pulls"""

    def authorised(self, headers) -> bool:
        return headers.get("Authorization") == f"Bearer {self.token}"

    def unauthorised(self):
        return 401, {}, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}

    def rate_limited(self):
        return 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0", "retry-after": "1"}, {
            "message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}

    def route(self, method, path, query, body, base):
        match = re.match(r"^/repos/([^/]+)/([^/]+)/(pulls|issues)(?:/(\d+))?(?:/(\w+))?$", path)
        if not match or f"{match[1]}/{match[2]}" not in self.projects:
            return 404, {}, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        project, kind, number, sub = f"{match[1]}/{match[2]}", match[3], match[4], match[5]
        if kind == "pulls" and number is None and method == "GET":
            owner, _, ref = query.get("head", ":").partition(":")
            state = query.get("state", "open")
            items = [p for p in self.pulls if p["project"] == project and (not ref or p["head"]["ref"] == ref)
                     and (state == "all" or p["state"] == state)]
            chunk, headers = self.page([_public(p) for p in items], query, base, path)
            return 200, headers, chunk
        if kind == "pulls" and number is None and method == "POST":
            if not body or not body.get("title") or not body.get("head") or not body.get("base"):
                return 422, {}, {"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "missing_field"}]}
            if self.find(project=project, state="open", head={"ref": body["head"]}):
                return 422, {}, {"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom",
                                 "message": f"A pull request already exists for {project.split('/')[0]}:{body['head']}."}]}
            if not self.branch_exists(project, body["head"]):
                return 422, {}, {"message": "Validation Failed", "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}]}
            if len(body.get("body") or "") > 65536:
                return 422, {}, {"message": "Validation Failed", "errors": [{"message": "body is too long (maximum is 65536 characters)"}]}
            number = len(self.pulls) + 1
            pull = {"project": project, "number": number, "state": "open", "merged_at": None, "title": body["title"],
                    "body": body.get("body"), "draft": bool(body.get("draft")), "head": {"ref": body["head"]},
                    "base": {"ref": body["base"]}, "labels": [], "requested_reviewers": [], "comments": [],
                    "html_url": f"https://github.example/{project}/pull/{number}"}
            self.pulls.append(pull)
            return 201, {}, _public(pull)
        found = self.find(project=project, number=int(number or 0))
        if not found:
            return 404, {}, {"message": "Not Found"}
        pull = found[0]
        if kind == "pulls" and sub is None and method == "PATCH":
            pull.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, {}, _public(pull)
        if kind == "issues" and sub == "labels" and method == "POST":
            pull["labels"] = sorted(set(pull["labels"]) | set(body["labels"]))
            return 200, {}, [{"name": n} for n in pull["labels"]]
        if kind == "pulls" and sub == "requested_reviewers" and method == "POST":
            pull["requested_reviewers"] = sorted(set(pull["requested_reviewers"]) | set(body.get("reviewers", [])) | {f"team:{t}" for t in body.get("team_reviewers", [])})
            return 201, {}, _public(pull)
        if kind == "issues" and sub == "comments" and method == "POST":
            pull["comments"].append(body["body"])
            return 201, {}, {"id": len(pull["comments"]), "body": body["body"]}
        return 404, {}, {"message": "Not Found"}


def _public(pull: dict) -> dict:
    return {k: v for k, v in pull.items() if k not in ("project", "comments")}


class AzureDevOps(FakeForge):
    """https://learn.microsoft.com/rest/api/azure/devops/git/pull-requests?view=azure-devops-rest-7.1"""

    def authorised(self, headers) -> bool:
        value = headers.get("Authorization", "")
        basic = "Basic " + base64.b64encode(f":{self.token}".encode()).decode()
        return value in (basic, f"Bearer {self.token}")

    def unauthorised(self):
        return 401, {"WWW-Authenticate": "Basic realm=\"https://dev.azure.com/\""}, None

    def empty_listing(self):
        return {"value": [], "count": 0}

    def rate_limited(self):
        return 429, {"Retry-After": "1", "X-RateLimit-Resource": "ATCP"}, {"message": "Request was blocked due to exceeding usage of resource 'ATCP'."}

    def route(self, method, path, query, body, base):
        match = re.match(r"^/([^/]+)/([^/]+)/_apis/git/repositories/([^/]+)/(pullrequests|pullRequests)(?:/(\d+))?(?:/(threads))?$", path)
        if query.get("api-version") != "7.1":
            return 400, {}, {"message": "No api-version was supplied for the request.", "typeKey": "VssVersionNotSpecifiedException"}
        if not match:
            return 404, {}, {"message": "not found"}
        project = "/".join(urllib.parse.unquote(match[i]) for i in (1, 2, 3))
        if project not in self.projects:
            return 404, {}, {"message": f"TF401019: The Git repository with name or identifier {match[3]} does not exist or you do not have permissions.",
                             "typeKey": "GitRepositoryNotFoundException"}
        number, sub = match[5], match[6]
        if number is None and method == "GET":
            source = query.get("searchCriteria.sourceRefName")
            status = query.get("searchCriteria.status", "active")
            items = [p for p in self.pulls if p["project"] == project and (not source or p["sourceRefName"] == source)
                     and (status == "all" or p["status"] == status)]
            top, skip = min(int(query.get("$top", 101)), self.page_size), int(query.get("$skip", 0))
            chunk = [_ado_public(p) for p in items[skip: skip + top]]
            return 200, {}, {"value": chunk, "count": len(chunk)}
        if number is None and method == "POST":
            if len(body.get("description") or "") > 4000:
                return 400, {}, {"message": "The pull request description is too long: 4000 characters at most.", "typeKey": "InvalidArgumentValueException"}
            if self.find(project=project, status="active", sourceRefName=body["sourceRefName"], targetRefName=body["targetRefName"]):
                return 409, {}, {"message": "TF401179: An active pull request for the source and target branch already exists.",
                                 "typeKey": "GitPullRequestExistsException"}
            if not self.branch_exists(project, body["sourceRefName"].removeprefix("refs/heads/")):
                return 400, {}, {"message": f"TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists.",
                                 "typeKey": "GitPullRequestCannotBeActivated"}
            number = len(self.pulls) + 1
            web = f"https://dev.azure.example/{project.split('/')[0]}/{project.split('/')[1]}/_git/{project.split('/')[2]}"
            pull = {"project": project, "pullRequestId": number, "status": "active", "title": body["title"],
                    "description": body.get("description", ""), "isDraft": bool(body.get("isDraft")),
                    "sourceRefName": body["sourceRefName"], "targetRefName": body["targetRefName"],
                    "labels": body.get("labels", []), "reviewers": body.get("reviewers", []),
                    "workItemRefs": body.get("workItemRefs", []), "threads": [],
                    "url": f"{base}{path}/{number}", "repository": {"webUrl": web}}
            self.pulls.append(pull)
            return 201, {}, _ado_public(pull)
        found = self.find(project=project, pullRequestId=int(number))
        if not found:
            return 404, {}, {"message": f"TF401180: The requested pull request was not found."}
        pull = found[0]
        if sub is None and method == "PATCH":
            if len(body.get("description") or "") > 4000:
                return 400, {}, {"message": "The pull request description is too long: 4000 characters at most."}
            pull.update({k: v for k, v in body.items() if k in ("title", "description", "status")})
            return 200, {}, _ado_public(pull)
        if sub == "threads" and method == "POST":
            pull["threads"].append(body)
            return 200, {}, {"id": len(pull["threads"]), **body}
        return 404, {}, {"message": "not found"}


def _ado_public(pull: dict) -> dict:
    return {k: v for k, v in pull.items() if k not in ("project", "threads")}


class GitLab(FakeForge):
    """https://docs.gitlab.com/api/merge_requests/"""

    def authorised(self, headers) -> bool:
        return headers.get("PRIVATE-TOKEN") == self.token

    def unauthorised(self):
        return 401, {}, {"message": "401 Unauthorized"}

    def rate_limited(self):
        return 429, {"Retry-After": "1", "RateLimit-Remaining": "0"}, {"message": "Retry later"}

    def route(self, method, path, query, body, base):
        match = re.match(r"^/api/v4/projects/([^/]+)/merge_requests(?:/(\d+))?(?:/(notes))?$", path)
        if not match:
            return 404, {}, {"error": "404 Not Found"}
        project = urllib.parse.unquote(match[1])
        if project not in self.projects:
            return 404, {}, {"message": "404 Project Not Found"}
        iid, sub = match[2], match[3]
        if iid is None and method == "GET":
            state = query.get("state", "all")
            items = [_gl_public(p) for p in self.pulls if p["project"] == project and p["source_branch"] == query.get("source_branch", p["source_branch"])
                     and (state == "all" or p["state"] == state)]
            chunk, headers = self.page(items, query, base, path)
            headers["X-Total"] = str(len(items))
            return 200, headers, chunk
        if iid is None and method == "POST":
            if self.find(project=project, state="opened", source_branch=body["source_branch"], target_branch=body["target_branch"]):
                return 409, {}, {"message": ["Another open merge request already exists for this source branch: !1"]}
            if not self.branch_exists(project, body["source_branch"]):
                return 422, {}, {"message": ["Source branch does not exist"]}
            number = len(self.pulls) + 1
            pull = {"project": project, "iid": number, "state": "opened", "title": body["title"], "description": body.get("description", ""),
                    "source_branch": body["source_branch"], "target_branch": body["target_branch"],
                    "labels": [l for l in body.get("labels", "").split(",") if l], "reviewer_ids": body.get("reviewer_ids", []),
                    "draft": body["title"].startswith("Draft:"), "notes": [],
                    "web_url": f"https://gitlab.example/{project}/-/merge_requests/{number}"}
            self.pulls.append(pull)
            return 201, {}, _gl_public(pull)
        found = self.find(project=project, iid=int(iid))
        if not found:
            return 404, {}, {"message": "404 Not found"}
        pull = found[0]
        if sub is None and method == "PUT":
            pull.update({k: v for k, v in body.items() if k in ("title", "description")})
            if body.get("add_labels"):
                pull["labels"] = sorted(set(pull["labels"]) | set(body["add_labels"].split(",")))
            return 200, {}, _gl_public(pull)
        if sub == "notes" and method == "POST":
            pull["notes"].append(body["body"])
            return 201, {}, {"id": len(pull["notes"]), "body": body["body"]}
        return 404, {}, {"error": "404 Not Found"}


def _gl_public(pull: dict) -> dict:
    return {k: v for k, v in pull.items() if k not in ("project", "notes")}
