"""Host detection from remote URLs, tokens, the HTTP client's retries and the body splitting."""

from __future__ import annotations

import pytest
from fake_forges import GitHub
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.deliver import forges
from fixer.deliver.forges import ForgeError, ForgeSetupError, Token, detect, git_auth_header, token_for
from fixer.deliver.forges.http import HttpClient
from fixer.deliver.pr_text import split_body
from fixer.deliver.redact import redact


@pytest.mark.parametrize("url, kind, api, project", [
    ("https://github.com/acme/infra.git", "github", "https://api.github.com", "acme/infra"),
    ("git@github.com:acme/infra.git", "github", "https://api.github.com", "acme/infra"),
    ("ssh://git@github.com/acme/infra", "github", "https://api.github.com", "acme/infra"),
    ("https://x-access-token:secret@github.com/acme/infra.git", "github", "https://api.github.com", "acme/infra"),
    ("https://dev.azure.com/contoso/Platform%20Team/_git/aks-infra", "azure-devops", "https://dev.azure.com/contoso", "contoso/Platform Team/aks-infra"),
    ("https://contoso@dev.azure.com/contoso/platform/_git/aks", "azure-devops", "https://dev.azure.com/contoso", "contoso/platform/aks"),
    ("git@ssh.dev.azure.com:v3/contoso/platform/aks", "azure-devops", "https://dev.azure.com/contoso", "contoso/platform/aks"),
    ("https://contoso.visualstudio.com/platform/_git/aks", "azure-devops", "https://dev.azure.com/contoso", "contoso/platform/aks"),
    ("https://contoso.visualstudio.com/DefaultCollection/platform/_git/aks", "azure-devops", "https://dev.azure.com/contoso", "contoso/platform/aks"),
    ("https://gitlab.com/platform/team/aks.git", "gitlab", "https://gitlab.com/api/v4", "platform/team/aks"),
    ("git@gitlab.com:platform/aks.git", "gitlab", "https://gitlab.com/api/v4", "platform/aks"),
])
def test_hosts_and_projects_from_remote_urls(url, kind, api, project):
    assert detect(url) == forges.ForgeTarget(kind, api, project)


def test_self_hosted_needs_forge_and_takes_api_url():
    with pytest.raises(ForgeSetupError, match="--forge"):
        detect("https://git.corp.example/acme/infra.git")
    assert detect("https://git.corp.example/acme/infra.git", "github") == forges.ForgeTarget("github", "https://git.corp.example/api/v3", "acme/infra")
    assert detect("https://gitlab.corp.example/a/b/c.git", "gitlab").api_url == "https://gitlab.corp.example/api/v4"
    assert detect("https://github.com/acme/infra", api_url="http://127.0.0.1:1/").api_url == "http://127.0.0.1:1"
    assert detect("/srv/mirror/acme/infra.git", "github").project == "acme/infra"


def test_tokens_come_from_the_environment_and_hide_in_repr():
    token = token_for("azure-devops", {"AZURE_DEVOPS_EXT_PAT": "pat-value-123"})
    assert token == Token("pat-value-123", "AZURE_DEVOPS_EXT_PAT")
    assert "pat-value-123" not in repr(token) and "pat-value-123" not in str(token)
    assert token_for("azure-devops", {"SYSTEM_ACCESSTOKEN": "a", "AZURE_DEVOPS_EXT_PAT": "b"}).variable == "SYSTEM_ACCESSTOKEN"
    with pytest.raises(ForgeSetupError, match=r"\$GITLAB_TOKEN"):
        token_for("gitlab", {})
    assert git_auth_header("azure-devops", Token("t", "SYSTEM_ACCESSTOKEN")) == "Authorization: Bearer t"
    assert git_auth_header("github", Token("t", "GITHUB_TOKEN")) == "Authorization: Basic eC1hY2Nlc3MtdG9rZW46dA=="


def test_redaction_of_urls_and_secrets():
    text = "fatal: unable to access 'https://user:hunter22@github.com/a/b.git/': token hunter22 rejected"
    assert redact(text, ("hunter22",)) == "fatal: unable to access 'https://***@github.com/a/b.git/': token *** rejected"


@pytest.fixture
def server():
    forge = GitHub(projects={"acme/infra": None}).start()
    yield forge
    forge.stop()


def client(forge, sleeps):
    from fixer.deliver.forges import github

    return HttpClient(f"http://127.0.0.1:{forge.port}", github.auth_headers(Token(forge.token, "GITHUB_TOKEN")),
                      secrets=(forge.token,), sleep=sleeps.append)


def test_retry_after_is_honoured_then_the_request_succeeds(server):
    sleeps = []
    server.rate_limit_next = 2
    response = client(server, sleeps).request("GET", "/repos/acme/infra/pulls")
    assert response.status == 200 and sleeps == [1.0, 1.0]


def test_retries_give_up_with_the_hosts_message(server):
    sleeps = []
    server.rate_limit_next = 10
    with pytest.raises(ForgeError, match="API rate limit exceeded") as caught:
        client(server, sleeps).request("GET", "/repos/acme/infra/pulls")
    assert caught.value.status == 403 and len(sleeps) == 3


def test_a_post_is_not_retried_on_a_lost_connection(server):
    sleeps = []
    server.drop_for = {"acme/infra"}
    with pytest.raises(ForgeError, match="no answer from the host") as caught:
        client(server, sleeps).request("POST", "/repos/acme/infra/pulls", body={"title": "x"})
    assert caught.value.status == 0 and sleeps == []
    assert len(server.requests) == 1


def test_errors_name_the_status_and_never_the_token(server):
    with pytest.raises(ForgeError) as caught:
        client(server, []).request("GET", "/repos/acme/missing/pulls")
    assert caught.value.status == 404 and "HTTP 404: Not Found" in str(caught.value)
    assert server.token not in str(caught.value)


def _document(sections: list[str]) -> str:
    return "Intro line.\n\n" + "\n".join(f"## S{i}\n\n{text}\n" for i, text in enumerate(sections))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="ab \n|`é", min_size=0, max_size=900), min_size=0, max_size=8), st.integers(300, 4000))
def test_split_body_fits_the_limit_and_loses_nothing(sections, limit):
    text = _document(sections)
    description, comment = split_body(text, limit)
    assert len(description) <= limit
    if comment is None:
        assert description == text
    else:
        note_start = description.index("\n\n_(continued in the first comment")
        # what stays plus what moves is the whole text (modulo the blank lines at the seam)
        assert (description[:note_start].strip() + comment.strip()).replace("\n", "") == text.strip().replace("\n", "")


def test_split_body_moves_whole_trailing_sections():
    text = "Head\n\n## Clusters\n\n" + "row\n" * 50 + "\n## Policies\n\n" + "yaml\n" * 1000
    description, comment = split_body(text, 4000)
    assert "## Clusters" in description and "## Policies" not in description
    assert description.endswith("_(continued in the first comment: Policies)_\n")
    assert comment.startswith("## Policies")
