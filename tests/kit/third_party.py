"""What the test image of a third-party extension is built from, fetched on this machine with the
registries' own clients (an image build here reaches no package index):

- npm's @serverless/aws-lambda-otel-extension-dist, pinned by version and by the integrity the
  registry publishes for it (`npm view ... dist.integrity`;
  https://registry.npmjs.org/@serverless/aws-lambda-otel-extension-dist),
  fetched with `npm pack` and checked here before use;
- Debian's nodejs, which it runs on, as .deb files for the image's own Debian suite and
  architecture: apt-get resolves them against the image's own package status (read out of the
  image), so exactly what the image lacks is downloaded, each file checked by apt against the
  suite's signed index. Debian's archive keyring of this machine (the base-image script uses the
  same to build a stand-in base) and the mirror this machine's apt is set up with.

Both are kept in build/test-inputs/ between runs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from kit.containers import docker
from kit.paths import ROOT

CACHE = ROOT / "build" / "test-inputs"
OTEL_PACKAGE = "@serverless/aws-lambda-otel-extension-dist"
OTEL_VERSION = "0.1.11"
OTEL_INTEGRITY = "sha512-DP4AAAKL1dcJcgSR8Cuh2eEo74Nf/2LZVFubKpccrdBA2csx2ohXicWw86Y3YiIV6D2i+JxcuneN7OQZH5ZB3w=="
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def otel_extension_package() -> Path:
    """The npm package's tarball, its integrity checked (a mismatch deletes it and fails)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / f"serverless-aws-lambda-otel-extension-dist-{OTEL_VERSION}.tgz"
    if not tarball.exists():
        subprocess.run(["npm", "pack", "--silent", f"{OTEL_PACKAGE}@{OTEL_VERSION}", "--pack-destination",
                        str(CACHE)], check=True, capture_output=True, cwd=CACHE)
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if integrity != OTEL_INTEGRITY:
        tarball.unlink()
        raise AssertionError(f"{tarball.name}: integrity {integrity}, pinned {OTEL_INTEGRITY}")
    return tarball


def _mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 or one-line sources)."""
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        found = re.search(r"^URIs:\s*(\S+)", path.read_text(), re.M)
        if found and "debian" in found.group(1) and "security" not in found.group(1):
            return found.group(1)
    listed = Path("/etc/apt/sources.list")
    found = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", listed.read_text(), re.M) if listed.exists() else None
    if not found:
        raise AssertionError("no Debian mirror in this machine's apt sources")
    return found.group(1)


def debs_for(image: str, packages: list[str]) -> Path:
    """A folder of the .debs `packages` need on top of what `image` has installed (apt-get: a
    Debian or Ubuntu machine; elsewhere the test is skipped, loudly)."""
    if shutil.which("apt-get") is None or not Path(KEYRING).exists():
        message = f"NO apt-get or no {KEYRING}: Debian's .debs for the test image cannot be fetched; SKIPPED"
        warnings.warn(message, pytest.PytestWarning, stacklevel=1)
        pytest.skip(message)
    suite, arch = docker("run", "--rm", "--entrypoint", "sh", image, "-c",
                         ". /etc/os-release && echo $VERSION_CODENAME && dpkg --print-architecture").stdout.split()
    status = docker("run", "--rm", "--entrypoint", "cat", image, "/var/lib/dpkg/status").stdout
    work = CACHE / f"apt-{suite}-{arch}"
    key = hashlib.sha256((status + " ".join(packages)).encode()).hexdigest()[:16]
    debs = work / f"debs-{key}"
    if debs.is_dir() and any(debs.glob("*.deb")):
        return debs
    shutil.rmtree(work, ignore_errors=True)
    for folder in ("lists/partial", "cache/archives/partial"):
        (work / folder).mkdir(parents=True)
    (work / "status").write_text(status)
    (work / "sources.list").write_text(f"deb [signed-by={KEYRING}] {_mirror()} {suite} main\n")
    options = [f"-oDir::State::Lists={work}/lists", f"-oDir::State::status={work}/status",
               f"-oDir::Etc::SourceList={work}/sources.list", "-oDir::Etc::SourceParts=/nonexistent",
               f"-oDir::Cache={work}/cache", "-oDir::Cache::pkgcache=", "-oDir::Cache::srcpkgcache=",
               f"-oAPT::Architecture={arch}", "-oDebug::NoLocking=1",
               # Testing suites carry a Valid-Until that a mirror's copy can outlive (as base-image.sh says).
               "-oAcquire::Check-Valid-Until=false"]
    if os.getuid() != 0:  # apt drops to its own user for downloads only as root
        options.append("-oAPT::Sandbox::User=" + pwd.getpwuid(os.getuid()).pw_name)
    subprocess.run(["apt-get", *options, "-qq", "update"], check=True, capture_output=True)
    subprocess.run(["apt-get", *options, "-qq", "-y", "--no-install-recommends", "--download-only", "install",
                    *packages], check=True, capture_output=True)
    (work / "cache" / "archives").rename(debs)
    shutil.rmtree(debs / "partial")
    return debs
