import shutil

import pytest


def pytest_report_header(config):
    tools = {name: shutil.which(name) for name in ("terraform", "kubectl", "git")}
    return "external tools: " + ", ".join(f"{k}={'yes' if v else 'ABSENT (tests using it skip)'}" for k, v in tools.items())


@pytest.fixture
def terraform_bin():
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform binary absent: `terraform fmt` checks skipped")
    return path
