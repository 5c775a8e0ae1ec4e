"""domain.md, "Batching (集中回访)"."""

from schemas.types import Channel, VisitKind, VisitStatus
from services.scheduler.domain.worklist import Batch, gather_batches

from .builders import D, visit

AS_OF = D("2026-06-10")


def ids(batches: list[Batch]) -> list[list[str]]:
    return [[v.visit_id for v in b.visits] for b in batches]


def test_due_visits_of_one_region_and_channel_make_one_batch() -> None:
    batches = gather_batches(
        [
            visit("a", "2026-06-01", "2026-07-01"),
            visit("b", "2026-06-05", "2026-07-05"),
        ],
        AS_OF,
    )
    assert ids(batches) == [["a", "b"]]
    (batch,) = batches
    assert (batch.region, batch.channel) == ("east", Channel.PHONE)
    assert (batch.first_day, batch.last_day) == (AS_OF, D("2026-07-01"))
    assert not batch.has_overdue


def test_regions_and_channels_are_not_mixed() -> None:
    batches = gather_batches(
        [
            visit("a", "2026-06-01", "2026-07-01"),
            visit("b", "2026-06-02", "2026-07-02", region="west"),
            visit("c", "2026-06-03", "2026-07-03", channel=Channel.ON_SITE),
        ],
        AS_OF,
    )
    assert ids(batches) == [["a"], ["b"], ["c"]]


def test_overdue_visits_come_first_and_are_made_at_once() -> None:
    batches = gather_batches(
        [
            visit("due", "2026-06-01", "2026-07-01"),
            visit("late", "2026-04-01", "2026-05-01"),
            visit("far-late", "2026-03-01", "2026-04-01", region="west"),
        ],
        AS_OF,
    )
    assert ids(batches) == [["far-late"], ["late", "due"]]
    assert all(b.has_overdue for b in batches)
    assert batches[1].last_day == AS_OF


def test_only_due_or_overdue_visits_are_on_the_worklist() -> None:
    batches = gather_batches(
        [
            visit("planned", "2026-06-11", "2026-07-11"),
            visit("done", status=VisitStatus.DONE),
            visit("cancelled", status=VisitStatus.CANCELLED),
            visit("escalated", failed_attempts=3),
            visit("due", "2026-06-01", "2026-07-01"),
        ],
        AS_OF,
    )
    assert ids(batches) == [["due"]]


def test_the_first_visits_of_a_unit_are_made_one_by_one() -> None:
    batches = gather_batches(
        [
            visit("t1", "2026-06-01", "2026-07-01", kind=VisitKind.TRIAL_RUN),
            visit("t2", "2026-06-02", "2026-07-02", kind=VisitKind.TRIAL_RUN),
            visit("w", "2026-06-03", "2026-07-03"),
        ],
        AS_OF,
    )
    assert ids(batches) == [["t1"], ["t2"], ["w"]]


def test_a_horizon_gathers_only_windows_that_share_a_day() -> None:
    # "c" opens after "a" must be made: no day suits both, so two batches.
    batches = gather_batches(
        [
            visit("a", "2026-06-01", "2026-07-01"),
            visit("b", "2026-06-20", "2026-07-20"),
            visit("c", "2026-07-05", "2026-08-05"),
        ],
        AS_OF,
        until=D("2026-07-31"),
    )
    assert ids(batches) == [["a", "b"], ["c"]]
    assert [(b.first_day, b.last_day) for b in batches] == [
        (D("2026-06-20"), D("2026-07-01")),
        (D("2026-07-05"), D("2026-08-05")),
    ]


def test_an_overdue_batch_comes_before_a_batch_due_earlier() -> None:
    # A retail week is short: its follow-up is overdue while an industrial
    # visit due before it is still due.
    batches = gather_batches(
        [
            visit("w", "2026-05-20", "2026-06-20", region="west"),
            visit("r", "2026-06-01", "2026-06-07", kind=VisitKind.RETAIL_FOLLOWUP),
        ],
        AS_OF,
    )
    assert ids(batches) == [["r"], ["w"]]


def test_inside_a_batch_overdue_visits_come_first() -> None:
    batches = gather_batches(
        [
            visit("w", "2026-05-20", "2026-06-20"),
            # A revisit's week is short: overdue while the other is still due.
            visit("r", "2026-06-01", "2026-06-08", kind=VisitKind.REVISIT),
        ],
        AS_OF,
    )
    assert ids(batches) == [["r", "w"]]


def test_a_retail_followup_is_never_batched_with_an_industrial_visit() -> None:
    # Issue 16, bug 6: same region, channel and days, yet two batches: retail
    # belongs to the store's designated visitor.
    batches = gather_batches(
        [
            visit("w", "2026-06-01", "2026-07-01"),
            visit("r", "2026-06-08", "2026-06-14", kind=VisitKind.RETAIL_FOLLOWUP),
        ],
        AS_OF,
    )
    assert sorted(ids(batches)) == [["r"], ["w"]]
