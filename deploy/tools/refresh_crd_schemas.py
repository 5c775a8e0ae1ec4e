"""Refresh deploy/k8s/schemas/ from the operators' CRDs (for kubeconform).

    python -m deploy.tools.refresh_crd_schemas

KEDA and CloudNativePG are Go modules: `go mod download` fetches their module
zips from the Go module proxy, whose config/crd/bases/*.yaml hold the CRDs.

Strimzi's CRDs are generated from its Java model, as the operator's own build
does for packaging/install/cluster-operator/04x-Crd-*.yaml: Maven resolves
io.strimzi:api and io.strimzi:crd-generator (version pinned in
deploy/tools/strimzi-crds/pom.xml) from Maven Central into
~/.cache/followup/strimzi-crds-<version>/, and `java ... CrdGenerator --yaml
--crd-api-version v1 --api-versions v1 --storage-version v1` writes the CRDs
of Kafka, KafkaNodePool, KafkaTopic and KafkaUser. The generator is built for
Java 21: the script uses the first JDK of at least 21 among $JAVA_HOME,
/usr/lib/jvm/* and `java` on PATH.

Each served version's openAPIV3Schema becomes
`deploy/k8s/schemas/<group>/<kind>_<version>.json` (kubeconform's
`-schema-location` template `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}`),
made strict like kubeconform's openapi2jsonschema: an object that lists its
properties refuses others unless it says x-kubernetes-preserve-unknown-fields.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml  # type: ignore[import-untyped]

OUT = Path(__file__).resolve().parents[1] / "k8s" / "schemas"
MODULES = {
    "github.com/kedacore/keda/v2@v2.18.0": (
        "keda.sh_scaledobjects.yaml",
        "keda.sh_triggerauthentications.yaml",
    ),
    "github.com/cloudnative-pg/cloudnative-pg@v1.27.1": (
        "postgresql.cnpg.io_clusters.yaml",
    ),
}
STRIMZI_POM = Path(__file__).resolve().parent / "strimzi-crds" / "pom.xml"
STRIMZI_CLASSES = (
    "io.strimzi.api.kafka.model.kafka.Kafka",
    "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "io.strimzi.api.kafka.model.user.KafkaUser",
)
STRIMZI_JAVA = 21  # crd-generator 1.x is compiled for Java 21 (class file 65)
CACHE = Path.home() / ".cache" / "followup"


def strict(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: strict(v) for k, v in node.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [strict(v) for v in node]
    return node


def write_schemas(crd: dict[str, Any], source: str) -> None:
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    for version in crd["spec"]["versions"]:
        if not version.get("served"):
            continue
        schema = strict(version["schema"]["openAPIV3Schema"])
        # kubeconform checks apiVersion and kind itself
        schema["properties"]["apiVersion"] = {"type": "string"}
        schema["properties"]["kind"] = {"type": "string"}
        schema["properties"]["metadata"] = {"type": "object"}
        schema["x-followup-source"] = source
        path = OUT / group / f"{kind.lower()}_{version['name']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(schema, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        print(f"wrote {path.relative_to(OUT)}")


def module_dir(module: str) -> Path:
    done = subprocess.run(
        ["go", "mod", "download", "-json", module],
        check=True,
        capture_output=True,
        text=True,
        env=None,
    )
    return Path(json.loads(done.stdout)["Dir"])


def go_modules() -> None:
    for module, files in MODULES.items():
        root = module_dir(module) / "config" / "crd" / "bases"
        for name in files:
            crd = yaml.safe_load((root / name).read_text(encoding="utf-8"))
            write_schemas(crd, f"{module} config/crd/bases/{name}")


def java_major(java: str) -> int:
    done = subprocess.run(
        [java, "-version"], check=False, capture_output=True, text=True
    )
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr)
    if done.returncode != 0 or found is None:
        return 0
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def java_at_least(major: int) -> str:
    candidates = []
    if home := os.environ.get("JAVA_HOME"):
        candidates.append(Path(home) / "bin" / "java")
    candidates += sorted(Path("/usr/lib/jvm").glob("*/bin/java"))
    if on_path := shutil.which("java"):
        candidates.append(Path(on_path))
    for java in candidates:
        if java.is_file() and java_major(str(java)) >= major:
            return str(java)
    raise SystemExit(
        f"no Java {major}+ found (set JAVA_HOME): Strimzi's generator needs it"
    )


def strimzi_version() -> str:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = ElementTree.parse(STRIMZI_POM).find("m:properties/m:strimzi.version", ns)
    if version is None or not version.text:
        raise SystemExit(f"{STRIMZI_POM}: no <strimzi.version>")
    return version.text.strip()


def strimzi() -> None:
    version = strimzi_version()
    jars = CACHE / f"strimzi-crds-{version}"
    resolved = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(STRIMZI_POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={jars}",
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if resolved.returncode != 0:  # -q still prints ANSI resets on success
        raise SystemExit(f"mvn failed:\n{resolved.stdout}{resolved.stderr}")
    with tempfile.TemporaryDirectory() as tmp:
        outputs = {
            cls: Path(tmp) / f"{cls.rsplit('.', 1)[1]}.yaml" for cls in STRIMZI_CLASSES
        }
        subprocess.run(
            [
                java_at_least(STRIMZI_JAVA),
                "-cp",
                str(jars / "*"),
                "io.strimzi.crdgenerator.CrdGenerator",
                "--yaml",
                "--crd-api-version",
                "v1",
                "--api-versions",
                "v1",
                "--storage-version",
                "v1",
                *(f"{cls}={path}" for cls, path in outputs.items()),
            ],
            check=True,
        )
        for cls, path in outputs.items():
            crd = yaml.safe_load(path.read_text(encoding="utf-8"))
            write_schemas(crd, f"io.strimzi:crd-generator:{version} {cls}")


def main() -> int:
    go_modules()
    strimzi()
    return 0


if __name__ == "__main__":
    sys.exit(main())
