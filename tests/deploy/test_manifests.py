"""deploy/k8s against the Kubernetes API's schemas (kubernetes-validate, strict: unknown fields
fail), kustomize's own structure, the invariants the deployment relies on, Envoy's production
config, and docs/operations.md matching them. No cluster and no network: kustomize builds run
through `kubectl kustomize` where kubectl is on PATH (it is on this project's machines),
otherwise every resource file is validated as written."""

from __future__ import annotations

import copy
import importlib.util
import os
import secrets
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
from cryptography.fernet import Fernet

from server.dev.devstack import deploy_config
from server.dev.devstack.envoy import envoy_binary
from server.platform import config
from server.platform.encryption import Vault
from tests.deploy.kustomize import (
    BASE,
    K8S,
    KUSTOMIZATIONS,
    OVERLAYS,
    REPO,
    Doc,
    build,
    env_file,
    generator_names,
    kubectl,
    kustomization,
    kustomization_errors,
    load_yaml,
    named,
    pod_spec,
    resource_documents,
    resource_files,
)

# The oldest Kubernetes the manifests are for (native gRPC probes, autoscaling/v2 and
# policy/v1 are all GA there) and the newest the validator knows.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
needs_kubectl = pytest.mark.skipif(kubectl() is None, reason="kubectl (kustomize) not on PATH")
OPERATIONS = REPO / "docs" / "operations.md"
README = REPO / "README.md"
PLACEHOLDER = "REPLACE_ME"
SERVER_IMAGE = "fingate"
ENVOY_CONFIG = "/etc/fingate/envoy/envoy.yaml"


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(K8S)) for p in paths]


def _validate(doc: Doc, version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.fixture(scope="module", params=KUSTOMIZATIONS, ids=_ids(KUSTOMIZATIONS))
def built(request: pytest.FixtureRequest) -> list[Doc]:
    if kubectl() is None:
        pytest.skip("kubectl (kustomize) not on PATH")
    return build(request.param)


@pytest.fixture(scope="module")
def base() -> list[Doc]:
    """The base as kustomize builds it, else its resource files as written."""
    return build(BASE) if kubectl() else resource_documents(BASE)


def _containers(docs: list[Doc]) -> list[tuple[Doc, Doc]]:
    return [
        (doc, container)
        for doc in docs
        if (spec := pod_spec(doc)) is not None
        for container in [*spec.get("initContainers", []), *spec["containers"]]
    ]


# -- the kustomizations themselves


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=_ids(KUSTOMIZATIONS))
def test_kustomization_is_well_formed(directory: Path) -> None:
    assert kustomization_errors(directory) == []


def test_the_structure_check_catches_what_kustomize_would_refuse(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resource: [a.yaml]\n"  # a typo: kustomize's field is `resources`
        "resources: [missing.yaml]\n"
        "configMapGenerator:\n- name: c\n  behavior: merge\n  envs: [absent.env]\n"
        "patches:\n- target: {kind: Deployment}\n"
    )
    errors = "\n".join(kustomization_errors(tmp_path))
    assert "unknown field 'resource'" in errors
    assert "resource missing.yaml does not exist" in errors
    assert "merges nothing a base generates" in errors
    assert "absent.env does not exist" in errors
    assert "a patch needs `path` or `patch`" in errors


# -- schemas


def _resource_file_docs() -> list[tuple[str, Doc]]:
    files = sorted({p for d in KUSTOMIZATIONS for p in resource_files(d)})
    return [
        (f"{p.relative_to(K8S)}:{doc['kind']}/{doc['metadata']['name']}", doc)
        for p in files
        for doc in load_yaml(p)
    ]


RESOURCE_DOCS = _resource_file_docs()


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("doc", [d for _, d in RESOURCE_DOCS], ids=[i for i, _ in RESOURCE_DOCS])
def test_every_resource_file_validates(doc: Doc, version: str) -> None:
    _validate(doc, version)


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_built_document_validates(built: list[Doc], version: str) -> None:
    assert built
    for doc in built:
        _validate(doc, version)


@pytest.mark.parametrize(
    ("breakage", "why"),
    [
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(readinesProbe={}), "typo"),
        (
            lambda d: d["spec"]["template"]["spec"]["containers"][0]["ports"][0].update(
                containerPort="fifty"
            ),
            "type",
        ),
        (lambda d: d["spec"].pop("selector"), "required"),
    ],
    ids=["unknown-field", "wrong-type", "missing-required"],
)
def test_the_validator_rejects_a_broken_manifest(breakage: object, why: str) -> None:
    (server,) = [d for _, d in RESOURCE_DOCS if d["metadata"]["name"] == "fingate-server"][:1]
    broken = copy.deepcopy(server)
    breakage(broken)  # type: ignore[operator]
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(broken, K8S_VERSIONS[-1])


# -- what the deployment relies on


def test_every_pod_runs_restricted(base: list[Doc]) -> None:
    workloads = [d for d in base if pod_spec(d) is not None]
    assert {d["metadata"]["name"] for d in workloads} == {
        "fingate-server",
        "fingate-worker",
        "fingate-migrate",
        "fingate-envoy",
    }
    for doc in workloads:
        spec = pod_spec(doc)
        assert spec is not None
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, doc["metadata"]["name"]
        assert pod["runAsUser"] != 0
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
    for doc, container in _containers(base):
        ctx = container["securityContext"]
        where = f"{doc['metadata']['name']}/{container['name']}"
        assert ctx["allowPrivilegeEscalation"] is False, where
        assert ctx["readOnlyRootFilesystem"] is True, where
        assert ctx["capabilities"] == {"drop": ["ALL"]}, where
        assert "memory" in container["resources"]["limits"], where
        assert "cpu" in container["resources"]["requests"], where


def test_the_server_is_probed_on_grpc_health_and_scaled_on_cpu(base: list[Doc]) -> None:
    port = int(env_file(BASE / "config.env")["GRPC_PORT"])
    assert port == deploy_config.GRPC_PORT
    server = named(base, "Deployment", "fingate-server")
    assert "replicas" not in server["spec"], "the HorizontalPodAutoscaler owns the count"
    (container,) = server["spec"]["template"]["spec"]["containers"]
    metrics = int(env_file(BASE / "config.env")["METRICS_PORT"])
    assert container["ports"] == [
        {"name": "grpc", "containerPort": port},
        {"name": "metrics", "containerPort": metrics},
    ]
    # The multiprocess directory is writable under the read-only root filesystem.
    directory = {e["name"]: e["value"] for e in container["env"]}["PROMETHEUS_MULTIPROC_DIR"]
    assert directory in {m["mountPath"] for m in container["volumeMounts"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"] == {"port": port}, probe
    service = named(base, "Service", deploy_config.GRPC_HOST)
    assert service["spec"]["clusterIP"] == "None", "Envoy's STRICT_DNS needs every pod's address"
    assert [p["port"] for p in service["spec"]["ports"]] == [port, metrics]
    assert service["spec"]["selector"] == server["spec"]["selector"]["matchLabels"]
    hpa = named(base, "HorizontalPodAutoscaler", "fingate-server")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "fingate-server",
    }
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_envoy_runs_the_rendered_config_with_the_servers_edge_token(base: list[Doc]) -> None:
    envoy = named(base, "Deployment", "fingate-envoy")
    (container,) = envoy["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[args.index("--config-path") + 1] == ENVOY_CONFIG
    assert container["ports"] == [{"name": "http", "containerPort": deploy_config.HTTP_PORT}]
    (token,) = [e for e in container["env"] if e["name"] == "EDGE_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"]["key"] == "EDGE_TOKEN"
    assert token["valueFrom"]["secretKeyRef"]["name"].startswith("fingate-secrets")
    server = named(base, "Deployment", "fingate-server")
    (server_container,) = server["spec"]["template"]["spec"]["containers"]
    assert {"secretRef": {"name": token["valueFrom"]["secretKeyRef"]["name"]}} in server_container[
        "envFrom"
    ]
    service = named(base, "Service", "fingate-envoy")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]


def test_the_production_envoy_config_is_valid(tmp_path: Path) -> None:
    path = deploy_config.render(tmp_path / "envoy")
    text = path.read_text()
    assert "{address: 0.0.0.0, port_value: 8080}" in text
    assert "{address: 127.0.0.1, port_value: 9901}" in text  # admin stays local
    assert f'"{deploy_config.GRPC_HOST}", port_value: {deploy_config.GRPC_PORT}' in text
    assert "type: STRICT_DNS" in text
    assert 'value: "%ENVIRONMENT(EDGE_TOKEN)%"' in text
    assert {p.name for p in path.parent.iterdir()} == {"envoy.yaml", "filter.lua", "fingate.binpb"}
    env = {**os.environ, "EDGE_TOKEN": secrets.token_urlsafe(48)}
    out = subprocess.run(
        [str(envoy_binary()), "--mode", "validate", "-c", str(path), "--disable-hot-restart"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"configuration '{path}' OK" in out.stdout + out.stderr


def test_the_envoy_validation_can_fail(tmp_path: Path) -> None:
    path = deploy_config.render(tmp_path / "envoy")
    path.write_text(path.read_text().replace("type: STRICT_DNS", "type: NO_SUCH_TYPE"))
    out = subprocess.run(
        [str(envoy_binary()), "--mode", "validate", "-c", str(path), "--disable-hot-restart"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0


def _module_runs(module: str) -> bool:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return False
    if spec.submodule_search_locations is not None:  # a package: its __main__
        return importlib.util.find_spec(f"{module}.__main__") is not None
    return '__name__ == "__main__"' in Path(spec.origin).read_text()


def test_every_container_runs_a_module_that_exists(base: list[Doc]) -> None:
    modules = {
        doc["metadata"]["name"]: container["args"][0]
        for doc, container in _containers(base)
        if container["image"] == SERVER_IMAGE
    }
    assert modules == {
        "fingate-server": "server",
        "fingate-worker": "server.worker",
        "fingate-migrate": "server.platform.db.migrate",
    }
    for module in [*modules.values(), "server.gateway.service_token", "server.banking.reseal"]:
        assert _module_runs(module), module


def test_the_migration_job_runs_as_the_schema_owner_before_the_rollout(base: list[Doc]) -> None:
    job = named(base, "Job", "fingate-migrate")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    (url,) = [e for e in container["env"] if e["name"] == "DATABASE_URL"]
    assert url["valueFrom"]["secretKeyRef"]["name"].startswith("fingate-db-owner")
    owner = env_file(BASE / "db-owner.example.env")["DATABASE_URL"]
    app = env_file(BASE / "secrets.example.env")["DATABASE_URL"]
    assert "fingate_app" in app and "fingate_app" not in owner
    labels = kustomization(BASE)["generatorOptions"]["labels"]
    assert labels["app.kubernetes.io/component"] == "config"


@needs_kubectl
@pytest.mark.parametrize("directory", OVERLAYS, ids=_ids(OVERLAYS))
def test_the_migration_selector_applies_all_the_job_needs(directory: Path) -> None:
    """docs/operations.md applies `-l 'app.kubernetes.io/component in (config,data,migrate)'`
    before the rollout: that subset must hold the Job and everything it refers to."""
    docs = build(directory)
    chosen = [
        d
        for d in docs
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        in ("config", "data", "migrate")
    ]
    names = {(d["kind"], d["metadata"]["name"]) for d in chosen}
    job = named(chosen, "Job", "fingate-migrate")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    for source in container["envFrom"]:
        kind, ref = ("ConfigMap", "configMapRef") if "configMapRef" in source else ("Secret", "")
        ref = ref or "secretRef"
        assert (kind, source[ref]["name"]) in names
    for entry in container["env"]:
        assert ("Secret", entry["valueFrom"]["secretKeyRef"]["name"]) in names
    assert ("Service", "fingate-postgres") in names
    namespaces = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    assert namespaces <= {name for kind, name in names if kind == "Namespace"}, "first install"
    assert not {d["kind"] for d in chosen} & {"Deployment", "HorizontalPodAutoscaler"}


# -- the environment


def _example_env_files() -> list[Path]:
    return sorted(K8S.rglob("*.example.env"))


def test_example_secrets_are_placeholders_and_nothing_else_holds_one() -> None:
    secret_files = {
        (BASE / source).resolve()
        for _, name in generator_names(BASE)
        for g in kustomization(BASE).get("secretGenerator") or []
        if g["name"] == name
        for source in g.get("envs") or []
    }
    assert secret_files == set(_example_env_files())
    secret_keys = set()
    for path in secret_files:
        for key, value in env_file(path).items():
            assert PLACEHOLDER in value, f"{path.name}: {key} is not a placeholder"
            secret_keys.add(key)
    for path in K8S.rglob("*.env"):
        if path not in secret_files:
            leaked = secret_keys & set(env_file(path))
            assert not leaked, f"{path}: secrets outside a Secret: {leaked}"


def _production_env(overlay: Path | None = None) -> dict[str, str]:
    env = env_file(BASE / "config.env")
    if overlay is not None:
        env |= env_file(overlay / "config.env")
    return env | env_file(BASE / "secrets.example.env")


def _filled(env: dict[str, str]) -> dict[str, str]:
    """The placeholders replaced by values of the shape each variable takes."""
    out = {}
    for key, value in env.items():
        fill = Fernet.generate_key().decode() if key == "ENCRYPTION_KEYS" else None
        out[key] = fill or value.replace(PLACEHOLDER, secrets.token_urlsafe(36))
    return out


@pytest.mark.parametrize("overlay", [None, *OVERLAYS], ids=["base", *_ids(OVERLAYS)])
def test_the_manifests_environment_is_a_complete_production_one(overlay: Path | None) -> None:
    settings = config.load(_filled(_production_env(overlay)))
    assert settings.is_production
    assert settings.grpc_host == "0.0.0.0" and settings.grpc_port == deploy_config.GRPC_PORT
    assert settings.redis_url is not None, "several replicas share counters and caches in Redis"
    Vault(settings.encryption_keys)


def test_the_placeholders_cannot_start_production() -> None:
    with pytest.raises(config.ConfigError):
        config.load(_production_env())


def _manifest_env_names(docs: list[Doc]) -> set[str]:
    names = set()
    for path in K8S.rglob("*.env"):
        names |= set(env_file(path))
    for _, container in _containers(docs):
        names |= {e["name"] for e in container.get("env", [])}
    return names


def test_every_variable_the_manifests_set_is_documented(base: list[Doc]) -> None:
    documented = README.read_text() + OPERATIONS.read_text()
    missing = sorted(n for n in _manifest_env_names(base) if f"`{n}`" not in documented)
    assert missing == []


def test_operations_doc_names_what_the_manifests_create(base: list[Doc]) -> None:
    text = OPERATIONS.read_text()
    names = {d["metadata"]["name"] for d in base if d["kind"] not in ("ConfigMap", "Secret")}
    names |= {name for _, name in generator_names(BASE)}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert missing == []
    for fact in (
        f"{deploy_config.HTTP_PORT}",
        f"{deploy_config.GRPC_PORT}",
        f"{deploy_config.ADMIN_PORT}",
        "make deploy-config",
        ENVOY_CONFIG,
        "python -m server.banking.reseal",
        "python -m server.gateway.service_token",
        "python -m server.platform.db.migrate",
        "app.kubernetes.io/component in (config,data,migrate)",
        "organization_id",
        "Citus",
    ):
        assert fact in text, fact
