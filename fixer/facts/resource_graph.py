"""`--from-azure`: the live clusters straight from Azure Resource Graph.

One query over `microsoft.containerservice/managedclusters` in every subscription the identity can
read (or the ones named), paged with skip tokens past 1,000 rows. The Azure SDK is an optional
extra (`pip install 'akfix[azure]'`) imported only here, only when asked for. Credentials come from
azure-identity's default chain (environment, workload or managed identity, `az login`...); akfix
never sees, stores or prints a token.
"""

from __future__ import annotations

from urllib.parse import urlparse

from fixer.facts.inventory import Inventory, clusters_of

SOURCE = "Azure Resource Graph"
QUERY = ("Resources | where type =~ 'microsoft.containerservice/managedclusters' "
         "| project id, name, type, resourceGroup, subscriptionId, properties")
PAGE = 1000  # Resource Graph's maximum page
MAX_PAGES = 1000  # a million clusters: a skip token that never ends is a server fault, not a fleet
EXTRA = "pip install 'akfix[azure]'"
ENDPOINT: str | None = None  # Resource Manager's address; None: the SDK's (public cloud). Tests point it at 127.0.0.1.


class ResourceGraphError(RuntimeError):
    """Why --from-azure could not read the clusters (exit 2)."""


def default_credential():
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def fetch(subscriptions: tuple[str, ...] = (), credential=None, endpoint: str | None = None) -> Inventory:
    """Every AKS cluster the credential can read. `endpoint`: another Resource Manager (a sovereign
    cloud, or a local test server on 127.0.0.1, which alone may speak plain http)."""
    try:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError
        from azure.mgmt.resourcegraph import ResourceGraphClient
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions
    except ImportError as exc:
        raise ResourceGraphError(f"--from-azure needs the Azure SDK for Python ({exc.name} is not installed): {EXTRA}") from None
    try:
        from azure.identity import CredentialUnavailableError
    except ImportError:
        CredentialUnavailableError = ClientAuthenticationError  # noqa: N806 (only a tuple member below)
    not_logged_in = (ClientAuthenticationError, CredentialUnavailableError)
    try:
        credential = credential if credential is not None else default_credential()
    except ImportError as exc:
        raise ResourceGraphError(f"--from-azure needs azure-identity ({exc.name} is not installed): {EXTRA}") from None
    extra = {}
    if endpoint is not None:
        extra["base_url"] = endpoint
    plain_http = _loopback_http(endpoint)
    rows: list = []
    try:
        with ResourceGraphClient(credential, **extra) as client:
            token = None
            for _ in range(MAX_PAGES):
                options = QueryRequestOptions(top=PAGE, skip_token=token, result_format="objectArray")
                request = QueryRequest(query=QUERY, subscriptions=list(subscriptions) or None, options=options)
                # azure-core refuses to send a bearer token over plain http; a loopback test server is the one exception
                response = client.resources(request, **({"enforce_https": False} if plain_http else {}))
                rows.extend(response.data or [])
                token = response.skip_token
                if not token:
                    break
            else:
                raise ResourceGraphError(f"Azure Resource Graph kept paging past {MAX_PAGES * PAGE:,} rows; stopped")
    except not_logged_in as exc:
        raise ResourceGraphError(
            "--from-azure: not logged in to Azure (" + _first_line(exc) + "). Run `az login`, or set a service principal "
            "(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET) or a managed identity; or pass --inventory FILE"
        ) from None
    except HttpResponseError as exc:
        code = getattr(getattr(exc, "error", None), "code", None) or getattr(exc, "reason", "") or ""
        raise ResourceGraphError(f"--from-azure: Azure Resource Graph answered {exc.status_code} {code}".rstrip()) from None
    except ServiceRequestError as exc:
        raise ResourceGraphError(f"--from-azure: cannot reach Azure Resource Graph ({_first_line(exc)})") from None
    return clusters_of(rows, SOURCE)


def _loopback_http(endpoint: str | None) -> bool:
    if not endpoint:
        return False
    parsed = urlparse(endpoint)
    return parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "::1", "localhost")


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
