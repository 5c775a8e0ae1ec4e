"""Generate the Kubernetes manifests under deploy/k8s/base/ from the catalogue.

    python -m deploy.k8s.generate          # write the files
    python -m deploy.k8s.generate --check  # exit 1 (naming the files) if they drift

Topics come from `schemas/catalogue.py` and `services/kit/topics.py` (every
event topic and every dead-letter topic), users and their ACLs from
`services/kit/acls.py` (the same grants the local stack applies; a test
proves they cover what each service's consumers subscribe to), and each
service's Deployment, Service, PodDisruptionBudget, NetworkPolicy and KEDA
ScaledObject from `SERVICES`.
Edit this file, never the generated YAML.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from services.kit import acls
from services.kit.topics import SERVICES as KIT_SERVICES
from services.kit.topics import catalogue_topics

HERE = Path(__file__).parent
BASE = HERE / "base"
JOBS = HERE / "jobs"

PREFIX = "followup"  # FOLLOWUP_TOPIC_PREFIX
KAFKA_CLUSTER = "followup-kafka"
PG_CLUSTER = "followup-pg"
IMAGE = "followup"  # the overlays pin the tag (deploy/Dockerfile)
# Partitions of every topic: the most consumer replicas that get work
# (KEDA's maxReplicaCount), chosen for growth (deploy/README.md: partitions
# are grown only as a migration, all topics together).
PARTITIONS = 12
REPLICAS = 3  # Kafka replication factor
MIN_INSYNC = 2
# A consumer replica per this many records behind (sum over its group's
# partitions): the kit applies up to FOLLOWUP_BATCH_SIZE (500) records per
# batch, so a replica more than two batches behind asks for help.
LAG_THRESHOLD = 1000
# Graceful stop: uvicorn stops taking requests, then each consumer lets the
# batch in hand commit (kit.service.running waits up to 30 s per consumer and
# 30 s for the relay), so 90 s covers the worst case with room to spare.
GRACE_SECONDS = 90
PRESTOP_SLEEP = 5  # endpoints are removed before the process gets SIGTERM

# Resident memory measured after `make demo`'s load (ps -o rss, one replica
# of each service: 202 facts, 321 visits planned, visits recorded, tickets,
# the monthly report and its XLSX): 82.5-86.4 MiB. Requests are ~1.5x the
# measurement, limits 4x (a rebuild's batches, a large export).
MEASURED_RSS_MIB = {
    "ledger": 83,
    "scheduler": 86,
    "survey": 83,
    "feedback": 83,
    "reporting": 86,
}


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int
    extra_env: tuple[tuple[str, str], ...] = ()

    @property
    def consumer_groups(self) -> tuple[str, ...]:
        """Its consumer groups, names after the prefix (services/kit/acls.py)."""
        (reads,) = [r for r in acls.READS if r.service == self.name]
        return reads.groups


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("ledger", 8101),
    ServiceSpec("scheduler", 8102, (("FOLLOWUP_TICK_INTERVAL_S", "60"),)),
    ServiceSpec("survey", 8103),
    ServiceSpec(
        "feedback", 8104, (("FOLLOWUP_FEEDBACK_SLA_CHECK_INTERVAL_S", "3600"),)
    ),
    ServiceSpec("reporting", 8105, (("FOLLOWUP_REPORT_CUTOFF_DAY", "25"),)),
)

DEPARTMENTS = acls.DEPARTMENTS
OPS_USER = acls.OPS_USER

# Shared settings of every service (ConfigMap followup-config).
COMMON_ENV: dict[str, str] = {
    "FOLLOWUP_KAFKA_BOOTSTRAP": f"{KAFKA_CLUSTER}-kafka-bootstrap:9092",
    "FOLLOWUP_TOPIC_PREFIX": PREFIX,
    "FOLLOWUP_SCHEMA_PREFIX": "",
    "FOLLOWUP_PARTITIONS": str(PARTITIONS),
    "FOLLOWUP_REPLICATION_FACTOR": str(REPLICAS),
    "FOLLOWUP_MIN_INSYNC_REPLICAS": str(MIN_INSYNC),
    "FOLLOWUP_HTTP_HOST": "0.0.0.0",  # inside the pod: reachable by the Service
    "FOLLOWUP_BATCH_SIZE": "500",
    "FOLLOWUP_TIMEZONE": "Asia/Shanghai",
    "FOLLOWUP_LOG_LEVEL": "INFO",
    "FOLLOWUP_WAIT_TIMEOUT_S": "10",
    "FOLLOWUP_COMMAND_MAX_LAG": "1000",
    "FOLLOWUP_IDEMPOTENCY_TTL_H": "48",
    "FOLLOWUP_PRODUCER_REQUEST_TIMEOUT_MS": "15000",
    "FOLLOWUP_PRODUCER_DELIVERY_TIMEOUT_MS": "30000",
    "FOLLOWUP_RELAY_BATCH_SIZE": "500",
    "FOLLOWUP_RELAY_POLL_S": "0.05",
}
# Set from Secrets, per service.
SECRET_ENV = (
    "FOLLOWUP_DATABASE_URL",  # CloudNativePG's generated <cluster>-app secret, key uri
    "FOLLOWUP_DERIVED_ID_SECRET",  # Secret followup-derived-id (runbook)
)
# Broker credentials: the KafkaUser's name and Strimzi's generated secret,
# read by services/kit/kafka_auth.py.
SASL_ENV = (
    "FOLLOWUP_KAFKA_SECURITY_PROTOCOL",
    "FOLLOWUP_KAFKA_SASL_MECHANISM",
    "FOLLOWUP_KAFKA_SASL_USERNAME",
    "FOLLOWUP_KAFKA_SASL_PASSWORD",
)
# Read by the services and deliberately left to their defaults, with why.
DEFAULTED: dict[str, str] = {
    "FOLLOWUP_HTTP_PORT": "set per service below",
    "FOLLOWUP_CLOCK_DATE": "demos and tests only: production uses the real date",
    "FOLLOWUP_CRASH_AT": "fault injection for tests only",
    "FOLLOWUP_ON_SITE_THRESHOLD": "the regulation's default policy",
    "FOLLOWUP_MAX_FAILED_ATTEMPTS": "the regulation's default policy",
    "FOLLOWUP_ON_SITE_FOLLOWUP_DAYS": "the regulation's default policy",
    "FOLLOWUP_POLICY_VERSION": "the built-in policy version",
    "FOLLOWUP_FEEDBACK_SLA": "the built-in SLAs (2 working days, 15 days)",
    "FOLLOWUP_REPORT_FREEZE_INTERVAL_S": "the freeze job looks once a minute",
    "FOLLOWUP_MACHINE_DATE": "tests only: stands in for the machine's date",
}


def labels(name: str, component: str = "service") -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "followup",
        "app.kubernetes.io/component": component,
    }


def selector(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name}


def kafka_cluster() -> list[dict[str, Any]]:
    def pool(name: str, role: str, size: str) -> dict[str, Any]:
        return {
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "KafkaNodePool",
            "metadata": {
                "name": name,
                "labels": {"strimzi.io/cluster": KAFKA_CLUSTER},
            },
            "spec": {
                "replicas": 3,
                "roles": [role],
                "storage": {
                    "type": "jbod",
                    "volumes": [
                        {
                            "id": 0,
                            "type": "persistent-claim",
                            "size": size,
                            "deleteClaim": False,
                            "kraftMetadata": "shared",
                        }
                    ],
                },
                "resources": {
                    "requests": {"cpu": "500m", "memory": "2Gi"},
                    "limits": {"memory": "2Gi"},
                },
            },
        }

    kafka = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "Kafka",
        "metadata": {"name": KAFKA_CLUSTER},
        "spec": {
            "kafka": {
                # Strimzi 1.2 runs Kafka 4.2.x and 4.3.x only (its
                # kafka-versions.yaml); the clients are the same as locally.
                "version": "4.3.1",
                "metadataVersion": "4.3-IV0",
                "listeners": [
                    {
                        "name": "scram",
                        "port": 9092,
                        "type": "internal",
                        "tls": False,
                        "authentication": {"type": "scram-sha-512"},
                    }
                ],
                "authorization": {"type": "simple"},
                "config": {
                    "default.replication.factor": REPLICAS,
                    "min.insync.replicas": MIN_INSYNC,
                    "offsets.topic.replication.factor": REPLICAS,
                    "transaction.state.log.replication.factor": REPLICAS,
                    "transaction.state.log.min.isr": MIN_INSYNC,
                    "unclean.leader.election.enable": False,
                    "auto.create.topics.enable": False,
                    "num.partitions": PARTITIONS,
                },
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
        },
    }
    return [
        kafka,
        pool("controllers", "controller", "20Gi"),
        pool("brokers", "broker", "100Gi"),
    ]


def kafka_topics() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "KafkaTopic",
            "metadata": {
                # a resource name may not hold "_" and "." is allowed
                "name": full.replace("_", "-"),
                "labels": {"strimzi.io/cluster": KAFKA_CLUSTER},
            },
            "spec": {
                "topicName": full,
                "partitions": PARTITIONS,
                "replicas": REPLICAS,
                "config": {
                    "min.insync.replicas": MIN_INSYNC,
                    "unclean.leader.election.enable": False,
                    "retention.ms": -1,  # the log is the source of truth
                    "cleanup.policy": "delete",
                },
            },
        }
        for full in catalogue_topics(PREFIX)
    ]


def user(name: str, grants: list[acls.Grant]) -> dict[str, Any]:
    rules = [
        {
            "resource": {"type": g.resource, "name": g.name, "patternType": "literal"},
            "operations": list(g.operations),
        }
        for g in grants
    ]
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaUser",
        "metadata": {"name": name, "labels": {"strimzi.io/cluster": KAFKA_CLUSTER}},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": rules},
        },
    }


def kafka_users() -> list[dict[str, Any]]:
    """One KafkaUser per service, department and the operator, with the
    grants of services/kit/acls.py."""
    return [user(name, rules) for name, rules in acls.grants(PREFIX).items()]


def postgres() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Cluster",
            "metadata": {"name": PG_CLUSTER},
            "spec": {
                "instances": 3,
                "imageName": "ghcr.io/cloudnative-pg/postgresql:16.6",
                "primaryUpdateStrategy": "unsupervised",
                # each service has its schemas (<svc>, <svc>_store) in one
                # database `followup` owned by the app user
                "bootstrap": {"initdb": {"database": "followup", "owner": "followup"}},
                "postgresql": {
                    "parameters": {
                        "max_connections": "300",
                        # SSD storage: index probes near sequential reads
                        # (the default 4 prices spinning disks)
                        "random_page_cost": "1.1",
                        "timezone": "UTC",
                    }
                },
                "storage": {"size": "50Gi"},
                "resources": {
                    "requests": {"cpu": "500m", "memory": "1Gi"},
                    "limits": {"memory": "1Gi"},
                },
                "monitoring": {"enablePodMonitor": True},
            },
        }
    ]


def config_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "followup-config", "labels": labels("followup", "config")},
        "data": dict(COMMON_ENV),
    }


def env_of(s: ServiceSpec) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": "FOLLOWUP_HTTP_PORT", "value": str(s.port)},
        {
            "name": "FOLLOWUP_DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": f"{PG_CLUSTER}-app", "key": "uri"}},
        },
        {
            "name": "FOLLOWUP_DERIVED_ID_SECRET",
            "valueFrom": {
                "secretKeyRef": {"name": "followup-derived-id", "key": "secret"}
            },
        },
        {"name": "FOLLOWUP_KAFKA_SECURITY_PROTOCOL", "value": "SASL_PLAINTEXT"},
        {"name": "FOLLOWUP_KAFKA_SASL_MECHANISM", "value": "SCRAM-SHA-512"},
        {"name": "FOLLOWUP_KAFKA_SASL_USERNAME", "value": acls.service_user(s.name)},
        {
            "name": "FOLLOWUP_KAFKA_SASL_PASSWORD",
            "valueFrom": {
                "secretKeyRef": {"name": acls.service_user(s.name), "key": "password"}
            },
        },
    ]
    env += [{"name": k, "value": v} for k, v in s.extra_env]
    return env


SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def container(s: ServiceSpec, args: list[str], name: str = "app") -> dict[str, Any]:
    rss = MEASURED_RSS_MIB[s.name]
    return {
        "name": name,
        "image": IMAGE,
        "args": args,
        "envFrom": [{"configMapRef": {"name": "followup-config"}}],
        "env": env_of(s),
        "securityContext": SECURITY_CONTEXT,
        "resources": {
            "requests": {"cpu": "100m", "memory": f"{round(rss * 1.5)}Mi"},
            "limits": {"memory": f"{rss * 4}Mi"},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def deployment(s: ServiceSpec) -> dict[str, Any]:
    app = container(s, ["python", "-m", f"services.{s.name}", "serve"])
    app["ports"] = [{"name": "http", "containerPort": s.port}]
    app["livenessProbe"] = {
        "httpGet": {"path": "/healthz", "port": "http"},
        "periodSeconds": 10,
        "timeoutSeconds": 3,
        "failureThreshold": 3,
    }
    app["readinessProbe"] = {
        "httpGet": {"path": "/readyz", "port": "http"},
        "periodSeconds": 5,
        "timeoutSeconds": 3,
        "failureThreshold": 3,
    }
    # The start creates topics (already there), migrates and joins the
    # groups; a rebuild catching up still answers /healthz.
    app["startupProbe"] = {
        "httpGet": {"path": "/healthz", "port": "http"},
        "periodSeconds": 5,
        "failureThreshold": 60,
    }
    app["lifecycle"] = {"preStop": {"sleep": {"seconds": PRESTOP_SLEEP}}}
    migrate = container(s, ["python", "-m", "deploy.tools.migrate", s.name], "migrate")
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": s.name, "labels": labels(s.name)},
        "spec": {
            # no `replicas`: KEDA's HPA owns the count
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(s.name)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": {
                "metadata": {
                    "labels": labels(s.name),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(s.port),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    "serviceAccountName": "followup",
                    "automountServiceAccountToken": False,
                    "terminationGracePeriodSeconds": GRACE_SECONDS,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "fsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "initContainers": [migrate],
                    "containers": [app],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {"matchLabels": selector(s.name)},
                        }
                    ],
                },
            },
        },
    }


def service(s: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": s.name, "labels": labels(s.name)},
        "spec": {
            "selector": selector(s.name),
            "ports": [{"name": "http", "port": s.port, "targetPort": "http"}],
        },
    }


def pdb(s: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": s.name, "labels": labels(s.name)},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(s.name)}},
    }


def network_policy(s: ServiceSpec) -> dict[str, Any]:
    dns = {
        "to": [
            {
                "namespaceSelector": {},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    kafka = {
        "to": [{"podSelector": {"matchLabels": {"strimzi.io/cluster": KAFKA_CLUSTER}}}],
        "ports": [{"protocol": "TCP", "port": 9092}],
    }
    pg = {
        "to": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": PG_CLUSTER}}}],
        "ports": [{"protocol": "TCP", "port": 5432}],
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": s.name, "labels": labels(s.name)},
        "spec": {
            "podSelector": {"matchLabels": selector(s.name)},
            "policyTypes": ["Ingress", "Egress"],
            # what it serves: its HTTP port (API, probes, /metrics); narrow
            # `from` to the ingress controller and Prometheus in an overlay
            "ingress": [{"ports": [{"protocol": "TCP", "port": s.port}]}],
            "egress": [kafka, pg, dns],
        },
    }


def scaled_object(s: ServiceSpec) -> list[dict[str, Any]]:
    # KEDA allows one ScaledObject per Deployment: one Kafka trigger per
    # consumer group; the HPA follows the trigger asking for most replicas.
    triggers = [
        {
            "type": "kafka",
            "name": g.replace(".", "-"),
            "metadata": {
                "bootstrapServers": COMMON_ENV["FOLLOWUP_KAFKA_BOOTSTRAP"],
                "consumerGroup": f"{PREFIX}.{g}",
                "lagThreshold": str(LAG_THRESHOLD),
                "activationLagThreshold": "0",
                "offsetResetPolicy": "earliest",
                "allowIdleConsumers": "false",
                "sasl": "scram_sha512",
                "tls": "disable",
            },
            "authenticationRef": {"name": f"kafka-{s.name}"},
        }
        for g in s.consumer_groups
    ]
    auth = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": {"name": f"kafka-{s.name}", "labels": labels(s.name)},
        "spec": {
            "env": [
                {
                    "parameter": "username",
                    "name": "FOLLOWUP_KAFKA_SASL_USERNAME",
                    "containerName": "app",
                }
            ],
            "secretTargetRef": [
                {
                    "parameter": "password",
                    "name": acls.service_user(s.name),
                    "key": "password",
                }
            ],
        },
    }
    scaled = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": s.name, "labels": labels(s.name)},
        "spec": {
            "scaleTargetRef": {"name": s.name},
            # two for availability of the API and of the outbox relay leader
            "minReplicaCount": 2,
            "maxReplicaCount": PARTITIONS,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "triggers": triggers,
        },
    }
    return [auth, scaled]


def rebuild_job(s: ServiceSpec) -> dict[str, Any]:
    run = container(s, ["python", "-m", f"services.{s.name}", "rebuild"])
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": f"rebuild-{s.name}",
            "labels": labels(f"rebuild-{s.name}", "rebuild"),
        },
        "spec": {
            "backoffLimit": 2,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": labels(f"rebuild-{s.name}", "rebuild")},
                "spec": {
                    "restartPolicy": "Never",
                    "serviceAccountName": "followup",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True},
                    "containers": [run],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
                },
            },
        },
    }


def service_account() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "followup", "labels": labels("followup", "identity")},
        "automountServiceAccountToken": False,
    }


HEADER = (
    "# GENERATED by `python -m deploy.k8s.generate`; edit deploy/k8s/generate.py.\n"
)


def dump(docs: list[dict[str, Any]]) -> str:
    return HEADER + "".join(
        "---\n" + yaml.safe_dump(d, sort_keys=False, allow_unicode=True) for d in docs
    )


def rendered() -> dict[Path, str]:
    """Every generated file and its text."""
    files: dict[Path, str] = {
        BASE / "kafka.yaml": dump(kafka_cluster()),
        BASE / "topics.yaml": dump(kafka_topics()),
        BASE / "users.yaml": dump(kafka_users()),
        BASE / "postgres.yaml": dump(postgres()),
        BASE / "config.yaml": dump([config_map(), service_account()]),
    }
    for s in SERVICES:
        docs = [deployment(s), service(s), pdb(s), network_policy(s)]
        files[BASE / f"{s.name}.yaml"] = dump(docs + scaled_object(s))
        files[JOBS / f"rebuild-{s.name}.yaml"] = dump([rebuild_job(s)])
    base_resources = [p.name for p in files if p.parent == BASE]
    files[BASE / "kustomization.yaml"] = dump(
        [
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "labels": [{"pairs": {"app.kubernetes.io/part-of": "followup"}}],
                "resources": base_resources,
            }
        ]
    )
    files[JOBS / "kustomization.yaml"] = dump(
        [
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": sorted(p.name for p in files if p.parent == JOBS),
            }
        ]
    )
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.k8s.generate")
    parser.add_argument("--check", action="store_true", help="fail on drift")
    args = parser.parse_args(argv)
    assert tuple(s.name for s in SERVICES) == KIT_SERVICES
    drift = []
    for path, text in rendered().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        drift.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and drift:
        names = ", ".join(str(p.relative_to(HERE)) for p in drift)
        print(f"out of date: {names}; run python -m deploy.k8s.generate")
        return 1
    for path in drift:
        print(f"wrote {path.relative_to(HERE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
