"""The dashboard and the alert rules name only metrics that are exported."""

import json
import re
from pathlib import Path

import yaml  # type: ignore[import-untyped]
from prometheus_client import REGISTRY

import services.kit.metrics  # noqa: F401  (registers the kit's metrics)

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
# Not ours, deliberately: Prometheus' own and kube-state-metrics'.
EXTERNAL = {"up", "kube_deployment_status_replicas_available"}
NAME = re.compile(r"\b(followup_[a-z_]+|up|kube_[a-z_]+)\b")


def exported() -> set[str]:
    """Every series name the registry can expose (a labelled metric has no
    sample before its first use, so the names come from the families)."""
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
    }
    return {
        metric.name + suffix
        for metric in REGISTRY.collect()
        for suffix in suffixes.get(metric.type, ("",))
    }


def expressions() -> dict[str, list[str]]:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    rules = yaml.safe_load((OBSERVABILITY / "prometheus-rules.yaml").read_text())
    return {
        "dashboard": [t["expr"] for p in dashboard["panels"] for t in p["targets"]],
        "rules": [r["expr"] for g in rules["groups"] for r in g["rules"]],
    }


def test_every_metric_named_is_exported() -> None:
    available = exported() | EXTERNAL
    for where, exprs in expressions().items():
        assert exprs, where
        for expr in exprs:
            named = set(NAME.findall(expr))
            assert named, expr
            assert named <= available, (where, named - available)


def test_the_dashboard_and_rules_cover_what_the_issue_asks() -> None:
    text = " ".join(e for exprs in expressions().values() for e in exprs)
    for metric in (
        "followup_consumer_lag",
        "followup_events_applied_total",
        "followup_events_dead_lettered_total",
        "followup_job_runs_total",
        "followup_outbox_unsent",
    ):
        assert metric in text
    alerts = yaml.safe_load((OBSERVABILITY / "prometheus-rules.yaml").read_text())
    names = {r["alert"] for g in alerts["groups"] for r in g["rules"]}
    assert {
        "FollowupConsumerLagGrowing",
        "FollowupDeadLetters",
        "FollowupNotReady",
        "FollowupTickMissed",
    } <= names
