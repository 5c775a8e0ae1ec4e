"""The fault suite's short form (`python -m tests.faults --short`), run with
the rest of the suite: a few hundred customers' facts and visits through the
public APIs while replicas are SIGKILLed, added and removed, PostgreSQL is
crashed and restarted and read models are rebuilt; afterwards every
service's tables equal the oracle's fold of the log (tests/faults/oracle.py).

It starts its own Kafka and PostgreSQL (deploy/local/stack.sh with a
temporary state dir and free ports), so the shared stack is never touched.
"""

from pathlib import Path

import pytest

from tests.faults.run import SHORT, run, summary

pytestmark = pytest.mark.e2e


def test_the_short_fault_run_ends_as_the_oracle_says(tmp_path: Path) -> None:
    outcome = run(SHORT, log_dir=tmp_path)
    report = summary(outcome)
    print(report)
    # Every kind of fault of the short form took at least once.
    for kind in ("kill", "scale", "postgres", "rebuild"):
        assert outcome.faults.done[kind] >= 1, report
    assert outcome.figures.acknowledged["facts"] > 0, report
    assert outcome.figures.acknowledged["records"] > 0, report
    assert outcome.figures.poison > 0, report
    assert outcome.mismatches == [], report
