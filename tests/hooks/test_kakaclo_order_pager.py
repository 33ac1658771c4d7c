"""The order pager when the list moves under it: orders created by other workers during a scan.

Pure logic (``_OrderPager`` fed pages of a fake order list), over both orderings a server may use
(newest first: new orders shift every page; oldest first: they append) and several page sizes and
numbers of orders created between two pages.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import OrderPagingError, _OrderPager


def page_of(orders: list[str], number: int, size: int) -> SimpleNamespace:
    items = [SimpleNamespace(id=order) for order in orders[(number - 1) * size:number * size]]
    return SimpleNamespace(items=items, total=len(orders), pageSize=size)


def scan(orders: list[str], size: int, created_after_page: int, created: int, newest_first: bool) -> list[str]:
    """Page through ``orders`` while ``created`` orders appear after page ``created_after_page``."""
    pager, came = _OrderPager("as_named"), []
    pages = 0
    while not pager.done:
        came += [order.id for order in pager.take(page_of(orders, pager.number, size))]
        pages += 1
        if pages == created_after_page:
            new = [f"new-{n}" for n in range(created)]
            orders[:] = (list(reversed(new)) + orders) if newest_first else (orders + new)
        assert pages < 100, "the scan never ends"
    return came


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("size", [1, 7, 250])
@pytest.mark.parametrize("created", [1, 2, 30])
@pytest.mark.parametrize("created_after_page", [1, 2])
def test_orders_created_during_a_scan_lose_no_order_and_raise_nothing(newest_first, size, created,
                                                                       created_after_page):
    orders = [f"old-{n}" for n in range(max(2 * size, 12) + 1)]
    before = list(orders)
    came = scan(orders, size, created_after_page, created, newest_first)
    assert set(before) <= set(came)  # nothing that existed when the scan began is missed
    assert len(came) == len(set(came))  # and nothing comes back twice


def test_a_stable_list_that_pages_add_nothing_to_still_names_the_paging_reading():
    """The swapped reading (§15 S4): the total never moves, the pages bring nothing new: the error."""
    pager = _OrderPager("as_named")
    first = SimpleNamespace(items=[SimpleNamespace(id="1")], total=5, pageSize=1)
    pager.take(first)
    with pytest.raises(OrderPagingError, match="order_paging=swapped"):
        pager.take(first)


@pytest.mark.parametrize("items", [["1"], []], ids=["pages-of-seen-orders", "empty-pages"])
def test_a_list_that_keeps_moving_without_new_orders_ends_in_the_error(items):
    """Passing over stale pages and starting again are bounded: a total that moves forever while the
    pages bring nothing new ends in the error, after a bounded number of pages."""
    pager = _OrderPager("swapped")
    pager.take(SimpleNamespace(items=[SimpleNamespace(id="1")], total=1000, pageSize=1))
    taken = 0
    with pytest.raises(OrderPagingError, match="order_paging=as_named"):
        for total in range(1001, 2000):
            taken += 1
            pager.take(SimpleNamespace(items=[SimpleNamespace(id=i) for i in items], total=total, pageSize=1))
    assert taken <= max(_OrderPager.STALE_PAGES, _OrderPager.RESTARTS) + 1
