"""capabilities.precheck_orders / find_orders: what the order operators ask reaches the hook unchanged,
through the hook's aggregated method when it has one, else order by order (BirdSystem today).

Found by `make mutate`: the order-by-order path was never run by a test (any switch dropped, the
verdicts list replaced, survived)."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from airflow_provider_kakaclo.capabilities import find_orders, precheck_orders
from airflow_provider_kakaclo.transport.errors import PrecheckError

SWITCHES = list(itertools.product([True, False], repeat=3))


class OneByOne:
    """A placer with only the per-order methods; records what it was asked."""

    vendor = "test"

    def __init__(self, refuse: set[str] = frozenset(), found: dict | None = None) -> None:
        self.calls: list = []
        self.refuse, self.found = refuse, found or {}

    def precheck_order(self, order, *, stock=True, freight=True, balance=True):
        self.calls.append((order["ref"], stock, freight, balance))
        if order["ref"] in self.refuse:
            raise PrecheckError("test", "pre-check", f"{order['ref']} cannot ship")
        return {"checked": order["ref"]}

    def find_order(self, reference, *, since):
        self.calls.append((reference, since))
        return self.found.get(reference)


class Aggregated(OneByOne):
    def precheck_orders(self, orders, *, stock=True, freight=True, balance=True):
        self.calls.append(([o["ref"] for o in orders], stock, freight, balance))
        return [([], {"checked": o["ref"]}) for o in orders]

    def find_orders(self, references, *, since):
        self.calls.append((references, since))
        return {r: [self.found[r]] for r in references if r in self.found}


ORDERS = [{"ref": "A"}, {"ref": "B"}, {"ref": "C"}]


@pytest.mark.parametrize(("stock", "freight", "balance"), SWITCHES)
def test_order_by_order_each_order_is_checked_with_the_switches_given(stock, freight, balance):
    placer = OneByOne()
    verdicts = precheck_orders(placer, ORDERS, stock=stock, freight=freight, balance=balance)
    assert placer.calls == [(ref, stock, freight, balance) for ref in "ABC"]
    assert verdicts == [([], {"checked": ref}) for ref in "ABC"]


@pytest.mark.parametrize("refused", [{"A"}, {"B"}, {"A", "C"}, {"A", "B", "C"}])
def test_order_by_order_a_refused_order_is_a_problem_of_its_own_not_the_batchs(refused):
    placer = OneByOne(refuse=refused)
    verdicts = precheck_orders(placer, ORDERS, stock=True, freight=True, balance=True)
    assert len(placer.calls) == 3  # every order is checked, whatever the others did
    for (problems, checks), ref in zip(verdicts, "ABC", strict=True):
        if ref in refused:
            assert problems == [f"{ref} cannot ship"] and checks == {}
        else:
            assert problems == [] and checks == {"checked": ref}


@pytest.mark.parametrize(("stock", "freight", "balance"), SWITCHES)
def test_an_aggregating_hook_gets_one_call_with_the_switches_given(stock, freight, balance):
    placer = Aggregated()
    verdicts = precheck_orders(placer, ORDERS, stock=stock, freight=freight, balance=balance)
    assert placer.calls == [(["A", "B", "C"], stock, freight, balance)]
    assert [checks for _, checks in verdicts] == [{"checked": ref} for ref in "ABC"]


@pytest.mark.parametrize("placer_class", [OneByOne, Aggregated])
def test_find_orders_returns_exactly_the_references_the_vendor_has(placer_class):
    since = datetime(2026, 1, 1, tzinfo=timezone.utc)
    placer = placer_class(found={"A": "status-a", "C": "status-c"})
    assert find_orders(placer, iter(["A", "B", "C"]), since=since) == {"A": ["status-a"], "C": ["status-c"]}
    if placer_class is Aggregated:
        assert placer.calls == [(["A", "B", "C"], since)]  # one scan, the references as a list
    else:
        assert placer.calls == [("A", since), ("B", since), ("C", since)]
