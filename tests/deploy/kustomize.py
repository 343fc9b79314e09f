"""Reading deploy/k8s without a cluster: each kustomization's own structure and the files it
names (`kustomization_errors`), the resource files it lists (`resource_documents`), and, where
`kubectl` is on PATH, what `kubectl kustomize` builds (`build`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(p for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").exists())
KUSTOMIZATIONS = [BASE, *OVERLAYS]

# The fields of kustomize's Kustomization (v1beta1) these manifests may use; anything else is a
# typo kustomize would reject or, worse, ignore.
KNOWN_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "namespace",
        "namePrefix",
        "nameSuffix",
        "labels",
        "commonAnnotations",
        "resources",
        "components",
        "images",
        "replicas",
        "configMapGenerator",
        "secretGenerator",
        "generatorOptions",
        "patches",
    }
)
GENERATOR_FIELDS = frozenset({"name", "behavior", "envs", "files", "literals", "options", "type"})
BEHAVIORS = frozenset({"create", "merge", "replace"})
PATCH_FIELDS = frozenset({"path", "patch", "target", "options"})
TARGET_FIELDS = frozenset(
    {"group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"}
)

Doc = dict[str, Any]


def load_yaml(path: Path) -> list[Doc]:
    """Every document of a YAML file (empty ones dropped)."""
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def kustomization(directory: Path) -> Doc:
    (doc,) = load_yaml(directory / "kustomization.yaml")
    assert isinstance(doc, dict)
    return doc


def _is_kustomization_dir(path: Path) -> bool:
    return path.is_dir() and (path / "kustomization.yaml").exists()


def generator_names(directory: Path) -> set[tuple[str, str]]:
    """(kind of generator, name) of every generator in this kustomization and its bases."""
    doc = kustomization(directory)
    names = {
        (kind, g["name"])
        for kind in ("configMapGenerator", "secretGenerator")
        for g in doc.get(kind) or []
        if isinstance(g, dict) and "name" in g
    }
    for entry in doc.get("resources") or []:
        if _is_kustomization_dir(directory / entry):
            names |= generator_names((directory / entry).resolve())
    return names


def kustomization_errors(directory: Path) -> list[str]:
    """What kustomize would refuse in `directory`'s kustomization.yaml, or what it names that
    is not there; recurses into the bases it lists."""
    errors: list[str] = []
    where = directory / "kustomization.yaml"
    try:
        doc = kustomization(directory)
    except (OSError, ValueError, yaml.YAMLError, AssertionError) as broken:
        return [f"{where}: not one YAML mapping ({type(broken).__name__})"]
    if doc.get("apiVersion") != "kustomize.config.k8s.io/v1beta1":
        errors.append(f"{where}: apiVersion must be kustomize.config.k8s.io/v1beta1")
    if doc.get("kind") != "Kustomization":
        errors.append(f"{where}: kind must be Kustomization")
    for key in sorted(set(doc) - KNOWN_FIELDS):
        errors.append(f"{where}: unknown field {key!r}")

    def exists(name: object, what: str) -> Path | None:
        if not isinstance(name, str) or not name:
            errors.append(f"{where}: {what} entry {name!r} is not a path")
            return None
        path = (directory / name).resolve()
        if not path.exists():
            errors.append(f"{where}: {what} {name} does not exist")
            return None
        return path

    for entry in doc.get("resources") or []:
        path = exists(entry, "resource")
        if path is None:
            continue
        if path.is_dir():
            if not _is_kustomization_dir(path):
                errors.append(f"{where}: resource {entry} is a folder without kustomization.yaml")
            else:
                errors.extend(kustomization_errors(path))
        elif path.suffix not in (".yaml", ".yml"):
            errors.append(f"{where}: resource {entry} is not a YAML file")
    inherited = set()
    for entry in doc.get("resources") or []:
        if isinstance(entry, str) and _is_kustomization_dir(directory / entry):
            inherited |= generator_names((directory / entry).resolve())
    for kind in ("configMapGenerator", "secretGenerator"):
        for generator in doc.get(kind) or []:
            if not isinstance(generator, dict) or not generator.get("name"):
                errors.append(f"{where}: {kind} entry without a name")
                continue
            for key in sorted(set(generator) - GENERATOR_FIELDS):
                errors.append(f"{where}: {kind} {generator['name']}: unknown field {key!r}")
            behavior = generator.get("behavior", "create")
            if behavior not in BEHAVIORS:
                errors.append(f"{where}: {kind} {generator['name']}: behavior {behavior!r}")
            if behavior != "create" and (kind, generator["name"]) not in inherited:
                errors.append(
                    f"{where}: {kind} {generator['name']} {behavior}s nothing a base generates"
                )
            for source in (*(generator.get("envs") or []), *(generator.get("files") or [])):
                exists(source.partition("=")[2] or source, f"{kind} {generator['name']} file")
    for patch in doc.get("patches") or []:
        if not isinstance(patch, dict) or not (set(patch) & {"path", "patch"}):
            errors.append(f"{where}: a patch needs `path` or `patch`")
            continue
        for key in sorted(set(patch) - PATCH_FIELDS):
            errors.append(f"{where}: patch: unknown field {key!r}")
        for key in sorted(set(patch.get("target") or {}) - TARGET_FIELDS):
            errors.append(f"{where}: patch target: unknown field {key!r}")
        if "path" in patch:
            exists(patch["path"], "patch")
    for image in doc.get("images") or []:
        if not isinstance(image, dict) or "name" not in image:
            errors.append(f"{where}: an image entry needs a name")
    for replica in doc.get("replicas") or []:
        if not isinstance(replica, dict) or not isinstance(replica.get("count"), int):
            errors.append(f"{where}: a replicas entry needs a name and an integer count")
    return errors


def resource_files(directory: Path) -> list[Path]:
    """The YAML resource files of this kustomization and its bases (not patches)."""
    found: list[Path] = []
    for entry in kustomization(directory).get("resources") or []:
        path = (directory / entry).resolve()
        found.extend(resource_files(path) if path.is_dir() else [path])
    return found


def resource_documents(directory: Path) -> list[Doc]:
    return [doc for path in resource_files(directory) for doc in load_yaml(path)]


def kubectl() -> str | None:
    return shutil.which("kubectl")


def build(directory: Path) -> list[Doc]:
    """`kubectl kustomize directory` (kustomize built into kubectl; no cluster, no network)."""
    binary = kubectl()
    assert binary is not None
    out = subprocess.run(
        [binary, "kustomize", str(directory)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d is not None]


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a kustomize env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


def pod_spec(doc: Doc) -> Doc | None:
    """The pod template's spec of a workload (Deployment, Job), else None."""
    if doc.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        spec = doc["spec"]["template"]["spec"]
        assert isinstance(spec, dict)
        return spec
    return None


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    """The one document of `kind` whose name is `name` (generated names: `name-<hash>`)."""
    found = [
        d
        for d in docs
        if d.get("kind") == kind
        and (d["metadata"]["name"] == name or d["metadata"]["name"].startswith(f"{name}-"))
    ]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]
