"""Files a Pulumi project never runs (fixer/formats/python/entry.py): listed, never planned or written."""

from __future__ import annotations

import pytest

from fixer.formats.python.entry import never_run
from fixer.pipeline import Options, run


def _tree(*files: str, main: str | None = None):
    listed = set(files)

    def has_file(folder: str, name: str) -> bool:
        return (f"{folder}/{name}" if folder else name) in listed

    return has_file, (lambda project: main)


@pytest.mark.parametrize("relpath, part", [
    ("infra/solutions/exercise-1__main__.py", "exercise-1__main__"),  # a workshop's answer beside the program
    ("infra/solutions/exercise-4/cluster.py", "exercise-4"),
    ("infra/solutions/exercise-4/__main__.py", "exercise-4"),  # a __main__.py below the project's is no entry
    ("infra/class/aks.py", "class"),  # a keyword names no module either
])
def test_paths_no_import_can_name_never_run(relpath, part):
    found = never_run(relpath, *_tree("infra/Pulumi.yaml", relpath))
    assert found is not None and (found.part, found.project) == (part, "infra/Pulumi.yaml")


@pytest.mark.parametrize("relpath, files, main", [
    ("infra/__main__.py", ("infra/Pulumi.yaml",), None),  # the entry point
    ("infra/lib/aks_cluster.py", ("infra/Pulumi.yaml",), None),  # importable: `from lib import aks_cluster`
    ("infra/my-app/__main__.py", ("infra/Pulumi.yaml",), "my-app/"),  # `main:` names the folder
    ("infra/deploy-aks.py", ("infra/Pulumi.yaml",), "deploy-aks.py"),  # `main:` names the file
    ("infra/tools/x-y.py", ("infra/Pulumi.yaml",), "src/"),  # outside the entry folder: not judged
    ("scripts/make-aks.py", (), None),  # no project above it: a script someone may run
    ("cdk/solutions/ex-1.py", ("Pulumi.yaml", "cdk/cdktf.json"), None),  # a CDKTF app runs what its `app` says
])
def test_entry_points_importable_files_and_files_of_no_project_run(relpath, files, main):
    assert never_run(relpath, *_tree(*files, relpath, main=main)) is None


PROGRAM = '''import pulumi
from pulumi_azure_native import containerservice

aks = containerservice.ManagedCluster(
    "aks",
    resource_group_name="rg",
    dns_prefix="aks",
    kubernetes_version="1.31.2",
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(network_plugin="azure", network_plugin_mode="overlay"),
)
'''


def test_answer_files_are_listed_and_left_alone(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: workshop\nruntime: python\n")
    (tmp_path / "requirements.txt").write_text("pulumi-azure-native>=3.0.0,<4.0.0\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "exercise-1__main__.py").write_text(PROGRAM)
    result = run(tmp_path, Options(), verify=True)
    assert [r.cluster.file for r in result.clusters] == ["__main__.py"]
    assert [c.relpath for c in result.changes] == ["__main__.py"]
    assert [(m.file, m.part) for m in result.not_inspected] == [("solutions/exercise-1__main__.py", "exercise-1__main__")]
