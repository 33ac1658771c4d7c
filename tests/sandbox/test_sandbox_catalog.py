"""The seeded catalog: deterministic, lazily derived, O(1) lookups, fast at 200,000 SKUs."""

from __future__ import annotations

from collections import Counter

from airflow_provider_kakaclo.sandbox.kakaclo.catalog import Catalog, category_subtree
from airflow_provider_kakaclo.sandbox.kakaclo.state import spu_status

ANCHOR = 1_717_200_000


def test_same_seed_same_catalog_other_seed_other_catalog():
    first, again, other = Catalog(3, 500, ANCHOR), Catalog(3, 500, ANCHOR), Catalog(4, 500, ANCHOR)
    codes = [first.sku_code(i) for i in range(500)]
    assert codes == [again.sku_code(i) for i in range(500)]
    assert [first.sku(i) for i in (0, 250, 499)] == [again.sku(i) for i in (0, 250, 499)]
    assert codes != [other.sku_code(i) for i in range(500)]


def test_exact_size_products_of_3_to_6_skus_with_spu_color_size_codes():
    catalog = Catalog(5, 1000, ANCHOR)
    assert sum(len(catalog.sku_range(j)) for j in range(catalog.product_count)) == 1000
    assert {len(catalog.sku_range(j)) for j in range(catalog.product_count)} <= {3, 4, 5, 6}
    codes = [catalog.sku_code(i) for i in range(1000)]
    assert len(set(codes)) == 1000
    for index, code in enumerate(codes):
        spu, color, size = code.split("_")[:3]
        assert spu == catalog.product(catalog.product_of_sku(index)).spu
        assert catalog.sku_index(code) == index
    assert catalog.product_index("AMN00001") == 0 and catalog.spu_code(1) == "FSZW00001"


def test_unknown_codes_are_not_found():
    catalog = Catalog(5, 100, ANCHOR)
    for code in ("AMN99999_B_S", "AMN00001_ZZ_S", "nope", "", "AMN00000_B_S"):
        assert catalog.sku_index(code) is None


def test_attribute_ranges_and_status_mix():
    catalog = Catalog(9, 3000, ANCHOR)
    skus = [catalog.sku(i) for i in range(3000)]
    statuses = Counter(s.base_status for s in skus)
    assert statuses[1] > 0.75 * 3000 and statuses[0] and statuses[3] and statuses[6]
    assert all(s.base_stock and all(qty == 0 for _w, qty in s.base_stock) for s in skus if s.base_status == 6)
    assert all(100 <= s.weight < 800 and 0 < s.cost_cents < s.price_cents for s in skus)
    products = [catalog.product(j) for j in range(catalog.product_count)]
    assert {p.supplier_level for p in products} == {"A", "B", "C", ""}
    assert all(ANCHOR - 30 * 86400 <= p.base_update_time <= ANCHOR and p.create_time <= p.base_update_time
               for p in products)


def test_spu_status_rules_of_the_docs():
    assert spu_status([0, 0]) == 0
    assert spu_status([0, 1, 6]) == 1
    assert spu_status([2, 2]) == 2
    assert spu_status([3, 3]) == 3
    assert spu_status([6, 0, 3]) == 6


def test_category_filter_includes_descendants():
    assert {3500, 3520, 3658} <= category_subtree(3500)
    assert category_subtree(3658) == {3658}
    assert category_subtree(1) == frozenset()


def test_200k_skus_look_up_without_scanning(monkeypatch):
    """Constant time, shown by the work done rather than by a stopwatch (a loaded machine is slow,
    never wrong): one look-up expands exactly one product's variants, whichever SKU it is."""
    catalog = Catalog(1, 200_000, ANCHOR)
    expanded = []
    real = catalog._variant_codes
    monkeypatch.setattr(catalog, "_variant_codes", lambda product: expanded.append(product) or real(product))
    for index in (0, 1, 99_999, 199_998, 199_999):
        code = catalog.sku_code(index)
        expanded.clear()
        assert catalog.sku_index(code) == index
        assert expanded == [catalog.product_of_sku(index)]
    assert catalog.sku_index("NOPE00000_X") is None


def test_time_index_moves_items_out_of_their_old_slot():
    from array import array

    from airflow_provider_kakaclo.sandbox.timeindex import TimeIndex

    index = TimeIndex(array("q", [10, 20, 20, 30]), array("l", [4, 1, 2, 3]))
    assert index.between(15, 30) == [1, 2, 3]
    index.touch(1, 40)
    index.touch(4, 25)
    assert index.between(15, 30) == [2, 4, 3]
    assert index.between(0, 100) == [2, 4, 3, 1]
    assert index.between(10, 10) == []
    index.clear()
    assert index.between(0, 100) == [4, 1, 2, 3]
