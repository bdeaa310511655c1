"""The two Dockerfiles differ only in their architecture's values; pins agree with versions.env."""

import re

from paths import ROOT


def pins():
    return dict(line.split("=", 1) for line in (ROOT / "versions.env").read_text().splitlines()
                if line and not line.startswith("#"))


def test_dockerfiles_differ_only_in_arch_values():
    x86 = (ROOT / "Dockerfile").read_text()
    arm = (ROOT / "Dockerfile.arm64").read_text()
    p = pins()
    normalised = (arm.replace(p["RIE_ARM64_SHA256"], p["RIE_X86_64_SHA256"]).replace("aarch64", "x86_64")
                  .replace("arm64", "x86_64").replace("Dockerfile is this", "Dockerfile.x86_64 is this"))
    assert normalised == x86.replace("Dockerfile.arm64 is this", "Dockerfile.x86_64 is this")


def test_rie_pins_agree_with_versions_env():
    p = pins()
    for name, key in (("Dockerfile", "RIE_X86_64_SHA256"), ("Dockerfile.arm64", "RIE_ARM64_SHA256")):
        text = (ROOT / name).read_text()
        assert re.search(rf"^ARG RIE_SHA256={p[key]}$", text, re.M), name
        assert f"aws-sam-cli {p['SAM_CLI_VERSION']}" in text
    assert re.search(rf"^ARG BASE_IMAGE={re.escape(p['PYTHON_BASE_IMAGE'])}$", (ROOT / "Dockerfile").read_text(), re.M)
