import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

# Property tests: ~120 examples each by default; HYPOTHESIS_PROFILE=long runs thousands.
for _name, _examples in (("default-akfix", 120), ("long", 3000)):
    settings.register_profile(_name, max_examples=_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default-akfix"))


def pytest_report_header(config):
    tools = {name: shutil.which(name) for name in ("terraform", "kubectl", "git")}
    return "external tools: " + ", ".join(f"{k}={'yes' if v else 'ABSENT (tests using it skip)'}" for k, v in tools.items())


@pytest.fixture
def terraform_bin():
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform binary absent: `terraform fmt` checks skipped")
    return path
