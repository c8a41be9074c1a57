"""Read sets: which parameters' arguments an answer read, shared between equal answers."""

from __future__ import annotations

from sigcheck.model.read_tracking import ReadTracking


def tracked(tracking: ReadTracking, *reads) -> frozenset:
    tracking.begin_tracking()
    for keys in reads:
        tracking._read(keys)
    return tracking.end_tracking()


def test_a_read_set_is_the_union_of_what_was_read():
    tracking = ReadTracking()
    first = tracked(tracking, frozenset({("f", 0)}))
    assert tracked(tracking, first, (("g", 1),), first) == {("f", 0), ("g", 1)}
    assert first == {("f", 0)}  # the set taken as it was is not grown in place


def test_equal_read_sets_are_one_object():
    tracking = ReadTracking()
    one = tracked(tracking, (("f", 0),), (("g", 1),))
    other = tracked(tracking, frozenset({("g", 1)}), (("f", 0),))
    assert one == other and one is other


def test_a_read_set_within_the_one_taken_adds_nothing():
    tracking = ReadTracking()
    both = tracked(tracking, (("f", 0),), (("g", 1),))
    assert tracked(tracking, both, frozenset({("f", 0)})) is both


def test_nested_tracking_passes_reads_outward_only_through_the_caller():
    tracking = ReadTracking()
    tracking.begin_tracking()
    inner = tracked(tracking, (("f", 0),))
    outer = tracking.end_tracking()
    assert inner == {("f", 0)} and outer == frozenset()


def test_a_later_resolver_shares_the_earlier_ones_sets():
    earlier = ReadTracking()
    kept = tracked(earlier, (("f", 0),))
    assert tracked(ReadTracking(earlier), (("f", 0),)) is kept
