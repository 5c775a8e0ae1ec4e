"""Refresh deploy/k8s/schemas/ from the operators' CRDs (for kubeconform).

    python -m deploy.tools.refresh_crd_schemas

KEDA and CloudNativePG are Go modules: `go mod download` fetches their module
zips from the Go module proxy, whose config/crd/bases/*.yaml hold the CRDs.
Each served version's openAPIV3Schema becomes
`deploy/k8s/schemas/<group>/<kind>_<version>.json` (kubeconform's
`-schema-location` template `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}`),
made strict like kubeconform's openapi2jsonschema: an object that lists its
properties refuses others unless it says x-kubernetes-preserve-unknown-fields.

Strimzi publishes no CRD YAML on a registry this machine reaches (its Maven
artifact io.strimzi:api holds the Java model only, and io.strimzi:crd-generator
is not on Maven Central), so `kafka.strimzi.io/` holds hand-written structural
schemas of the fields the manifests use (deploy/README.md says so); this
script leaves them alone.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def module_dir(module: str) -> Path:
    done = subprocess.run(
        ["go", "mod", "download", "-json", module],
        check=True,
        capture_output=True,
        text=True,
        env=None,
    )
    return Path(json.loads(done.stdout)["Dir"])


def main() -> int:
    for module, files in MODULES.items():
        root = module_dir(module) / "config" / "crd" / "bases"
        for name in files:
            crd = yaml.safe_load((root / name).read_text(encoding="utf-8"))
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
                schema["x-followup-source"] = f"{module} config/crd/bases/{name}"
                path = OUT / group / f"{kind.lower()}_{version['name']}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(
                    json.dumps(schema, indent=1, sort_keys=True) + "\n",
                    encoding="utf-8",
                )
                print(f"wrote {path.relative_to(OUT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
