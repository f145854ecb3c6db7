"""ARM linked templates (arm/linked.py): which file a templateLink names, and what a caller passes."""

import json

from fixer.formats import jsonspan
from fixer.formats.arm.linked import as_parameters_document, links


def _caller(*deployments) -> jsonspan.JNode:
    resources = [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": f"d{i}",
                  "properties": {"mode": "Incremental", "templateLink": link, "parameters": passed}}
                 for i, (link, passed) in enumerate(deployments)]
    return jsonspan.parse(json.dumps({"resources": resources}, indent=2).encode())


def test_relative_path_and_the_uri_idiom_name_files_of_the_tree():
    root = _caller(({"relativePath": "nested/aks.json"}, {}),
                   ({"uri": "[uri(deployment().properties.templateLink.uri, 'nested/pools.json')]"}, {}),
                   ({"uri": "https://example.com/aks.json"}, {}),  # a remote template: no file of the tree
                   ({"relativePath": "../../outside.json"}, {}))  # out of the tree
    assert [target for target, _ in links(root, "infra/main.json")] == ["infra/nested/aks.json", "infra/nested/pools.json"]


def test_a_caller_linking_the_template_twice_passes_nothing_akfix_reads():
    root = _caller(({"relativePath": "aks.json"}, {"networkPlugin": {"value": "azure"}}),
                   ({"relativePath": "aks.json"}, {"networkPlugin": {"value": "kubenet"}}))
    document = as_parameters_document(root, "main.json", "aks.json")
    value = document.get("parameters").get("networkPlugin").get("value")
    assert value.value.startswith("[")  # an expression: undecided for that caller's deployments
    assert as_parameters_document(root, "main.json", "other.json") is None
