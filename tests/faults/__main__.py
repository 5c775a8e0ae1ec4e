"""`python -m tests.faults --short|--full`: the fault suite with its oracle.

--short (CI, a few minutes): a few hundred customers, one broker, one replica
of each service; --full (on demand): 2,000 customers on a three-broker
cluster, two replicas of each service, broker leader kills. Both on a private
Kafka and PostgreSQL (deploy/local/stack.sh with a temporary state dir and
free ports), never the shared stack.
"""

import argparse
import sys
from dataclasses import replace

from tests.faults.run import FULL, SHORT, run, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--short", action="store_true", help="the CI form (default)")
    which.add_argument("--full", action="store_true", help="the full form")
    parser.add_argument("--customers", type=int, help="override the customer count")
    parser.add_argument("--seconds", type=float, help="override the traffic time")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    mode = FULL if args.full else SHORT
    if args.customers:
        mode = replace(mode, customers=args.customers)
    if args.seconds:
        mode = replace(mode, traffic_s=args.seconds)
    outcome = run(mode, seed=args.seed)
    print(summary(outcome), flush=True)
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
