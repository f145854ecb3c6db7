"""`--from-azure`: the real Azure SDK (azure-mgmt-resourcegraph, azure-core) against a local server
on 127.0.0.1 that answers the Resource Graph REST API in its documented shape
(`POST /providers/Microsoft.ResourceGraph/resources?api-version=...` -> `{"totalRecords", "count",
"resultTruncated", "$skipToken", "data"}`). A test credential hands out a fixed token; nothing
reaches the network."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("azure.mgmt.resourcegraph", reason="the azure extra is not installed (pip install 'akfix[azure]')")

from azure.core.credentials import AccessToken  # noqa: E402
from azure.core.exceptions import ClientAuthenticationError  # noqa: E402

from fixer.cli import main  # noqa: E402
from fixer.facts import resource_graph  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "test-token-never-printed-4f2a"
SUB = "33333333-3333-3333-3333-333333333333"


def row(name: str, group: str, plugin: str = "azure", policy: str = "none") -> dict:
    return {
        "id": f"/subscriptions/{SUB}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}",
        "name": name,
        "type": "microsoft.containerservice/managedclusters",
        "resourceGroup": group,
        "subscriptionId": SUB,
        "properties": {
            "currentKubernetesVersion": "1.31.5",
            "provisioningState": "Succeeded",
            "networkProfile": {"networkPlugin": plugin, "networkPluginMode": "overlay", "networkPolicy": policy},
            "agentPoolProfiles": [{"name": "system", "osType": "Linux"}],
        },
    }


class ResourceGraph:
    """Two pages: the first ends with a $skipToken, the second without."""

    def __init__(self, pages: list[list[dict]], status: int = 200):
        self.pages, self.status, self.requests = pages, status, []

    def handler(self):
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                graph.requests.append({"path": self.path, "authorization": self.headers.get("Authorization"), "body": body})
                if graph.status != 200:
                    self._send(graph.status, {"error": {"code": "AuthorizationFailed", "message": "no access"}})
                    return
                token = (body.get("options") or {}).get("$skipToken")
                index = int(token.removeprefix("page-")) if token else 0
                answer = {"totalRecords": sum(len(p) for p in graph.pages), "count": len(graph.pages[index]),
                          "resultTruncated": "false", "data": graph.pages[index]}
                if index + 1 < len(graph.pages):
                    answer["$skipToken"] = f"page-{index + 1}"
                self._send(200, answer)

            def _send(self, status: int, document: dict):
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


@contextlib.contextmanager
def serving(graph: ResourceGraph):
    server = ThreadingHTTPServer(("127.0.0.1", 0), graph.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class FakeCredential:
    def __init__(self, fail: bool = False):
        self.fail, self.scopes = fail, []

    def get_token(self, *scopes, **kwargs):
        self.scopes.extend(scopes)
        if self.fail:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token from the included credentials.")
        return AccessToken(TOKEN, 4_102_444_800)


PAGES = [[row(f"page1-{i}", "rg-a") for i in range(3)], [row("page2-0", "rg-b", plugin="kubenet")]]


def test_two_pages_with_the_real_sdk():
    graph = ResourceGraph(PAGES)
    credential = FakeCredential()
    with serving(graph) as endpoint:
        inventory = resource_graph.fetch((SUB,), credential=credential, endpoint=endpoint)
    assert [c.name for c in inventory.clusters] == ["page1-0", "page1-1", "page1-2", "page2-0"]
    assert inventory.clusters[-1].plugin == "kubenet" and inventory.clusters[0].plugin_mode == "overlay"
    assert len(graph.requests) == 2
    first, second = graph.requests
    assert first["path"].startswith("/providers/Microsoft.ResourceGraph/resources?api-version=")
    assert first["authorization"] == f"Bearer {TOKEN}"
    assert first["body"]["subscriptions"] == [SUB]
    assert "microsoft.containerservice/managedclusters" in first["body"]["query"]
    assert first["body"]["options"]["resultFormat"] == "objectArray" and first["body"]["options"]["$top"] == 1000
    assert "$skipToken" not in first["body"]["options"] and second["body"]["options"]["$skipToken"] == "page-1"
    assert credential.scopes and all(s.endswith("/.default") for s in credential.scopes)


def test_every_subscription_unless_named():
    graph = ResourceGraph([[row("one", "rg")]])
    with serving(graph) as endpoint:
        resource_graph.fetch((), credential=FakeCredential(), endpoint=endpoint)
    assert "subscriptions" not in graph.requests[0]["body"]


def test_plain_http_only_to_loopback():
    assert resource_graph._loopback_http("http://127.0.0.1:8080")
    assert not resource_graph._loopback_http("http://management.example.com")
    assert not resource_graph._loopback_http("https://127.0.0.1:8080")
    assert not resource_graph._loopback_http(None)


def _run(monkeypatch, endpoint, credential, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(resource_graph, "ENDPOINT", endpoint)
    monkeypatch.setattr(resource_graph, "default_credential", lambda: credential)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_from_azure_on_the_command_line_matches_and_lists(monkeypatch, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text('resource "azurerm_kubernetes_cluster" "main" {\n  name                = "page1-1"\n'
                                  '  resource_group_name = "rg-a"\n}\n')
    graph = ResourceGraph(PAGES)
    with serving(graph) as endpoint:
        code, out, err = _run(monkeypatch, endpoint, FakeCredential(), "scan", str(repo), "--from-azure", "--subscription", SUB,
                              "--azurerm-version", "4.60.0", "--format", "json")
    assert code == 1, err
    document = json.loads(out)
    (cluster,) = document["clusters"]
    assert cluster["live"]["source"] == "Azure Resource Graph" and cluster["live"]["matched_by"].startswith("name 'page1-1'")
    assert cluster["fix"]["changes"][:2] == [{"attribute": "network_plugin", "value": "azure"}, {"attribute": "network_plugin_mode", "value": "overlay"}]
    assert [e["name"] for e in document["live_only"]] == ["page1-0", "page1-2", "page2-0"]
    assert TOKEN not in out + err


def test_not_logged_in_is_exit_2_with_a_clear_message(monkeypatch, tmp_path):
    graph = ResourceGraph(PAGES)
    with serving(graph) as endpoint:
        code, out, err = _run(monkeypatch, endpoint, FakeCredential(fail=True), "scan", str(tmp_path), "--from-azure")
    assert code == 2
    assert "not logged in to Azure" in err and "az login" in err
    assert graph.requests == []  # no token, no request
    assert TOKEN not in out + err


def test_a_refusal_names_the_status(monkeypatch, tmp_path):
    graph = ResourceGraph(PAGES, status=403)
    with serving(graph) as endpoint:
        code, out, err = _run(monkeypatch, endpoint, FakeCredential(), "check", str(tmp_path), "--from-azure")
    assert code == 2 and "Azure Resource Graph answered 403" in err
    assert TOKEN not in out + err


def test_missing_extra_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "azure.mgmt.resourcegraph", None)  # import fails as if not installed
    code, out, err = _run(monkeypatch, None, FakeCredential(), "scan", str(tmp_path), "--from-azure")
    assert code == 2 and "pip install 'akfix[azure]'" in err


def test_the_sdk_is_not_imported_without_from_azure(tmp_path):
    import subprocess

    script = ("import sys; from fixer.cli import main; main(['scan', sys.argv[1], '--format', 'json']); "
              "print(any(m == 'azure' or m.startswith('azure.') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().endswith("False")
