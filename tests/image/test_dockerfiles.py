"""The two Dockerfiles differ only in their architecture's values; pins agree with versions.env and image/."""

import re

from kit.paths import ROOT
from kit.tables import ARCHITECTURES, PYTHON_LINES, pins


def test_dockerfiles_differ_only_in_arch_values():
    p = pins()
    x86, arm = ARCHITECTURES["x86_64"], ARCHITECTURES["arm64"]
    arm_text = (ROOT / arm["dockerfile"]).read_text()
    x86_text = (ROOT / x86["dockerfile"]).read_text()
    normalised = arm_text.replace(p["RIE_SHA256_arm64"], p["RIE_SHA256_x86_64"])
    for field in ("rie", "machine", "arch"):
        normalised = normalised.replace(arm[field], x86[field])
    normalised = normalised.replace(f"{x86['arch']}. Dockerfile is this", "ARCH. OTHER is this")
    assert normalised == x86_text.replace(f"{x86['arch']}. {arm['dockerfile']} is this", "ARCH. OTHER is this")


def test_pins_agree_with_versions_env_and_the_tables():
    p = pins()
    for arch, row in ARCHITECTURES.items():
        text = (ROOT / row["dockerfile"]).read_text()
        assert re.search(rf"^ARG RIE_SHA256={p[f'RIE_SHA256_{arch}']}$", text, re.M), arch
        assert f"COPY build/rie/{row['rie']} /usr/local/bin/aws-lambda-rie" in text
        assert f"aws-sam-cli {p['SAM_CLI_VERSION']}" in text
        default_base = PYTHON_LINES[p["PYTHON_VERSION"]]["official"]
        assert re.search(rf"^ARG BASE_IMAGE={re.escape(default_base)}$", text, re.M), arch
