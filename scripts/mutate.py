"""`make mutate`: mutation testing (mutmut 3) over the modules that carry the README's promises.

mutmut copies the package into ./mutants/, mutates the functions listed in MODULES below, records which
tests call each function (one traced run of the selected test directories, see [tool.mutmut] in
pyproject.toml) and runs, for every mutant, only those tests (stopping at the first failure; a mutant
using far more CPU than its tests did unmutated is a timeout). Afterwards this script prints the surviving
mutants per module and one table, and writes mutate/last-run.md and mutate/last-run.json.

A survivor listed in mutate/equivalent.toml (same function, same changed lines) counts as "equivalent":
that file says why the mutant's behaviour cannot differ. Any other survivor is a test gap.

    python scripts/mutate.py [--jobs N] [--only LABEL ...] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: mutmut brings `toml` there
    import toml as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mutate"
EQUIVALENT_FILE = OUT / "equivalent.toml"
PKG = "airflow_provider_kakaclo"

# label -> (source file, mutant-name globs). Only the functions that carry a promise are mutated (775
# mutants; still 1.5 h or more on 2 busy cores, see the README): the transport's retry loop, back-off (Retry-After), retry and
# settle rules and secret list; the limiter's bucket; the order operators' exactly-once helpers (stable
# reference, reconcile window, duplicate settling); the KakaClo/BirdSystem order capability (the batch
# look-up and status mapping; single find/place are left out: their mutants mostly hang the sandbox tests
# until the CPU budget ends, ~1 min each); the stock and SKU plans; Qianyi's signature; the lifecycle rules.
def _m(cls: str, *names: str) -> list[str]:
    return [f"xǁ{cls}ǁ{n}" for n in names]


MODULES: dict[str, tuple[str, list[str]]] = {
    "transport/core": ("transport/core.py", [
        "x_backoff_seconds", "x_should_retry", "x_settle", "x_call_secrets",
        *_m("Transport", "request", "_attempt"), *_m("AsyncTransport", "request", "_attempt")]),
    "transport/limiter": ("transport/limiter.py", [*_m("LeakyBucket", "*"), *_m("_Unlimited", "*")]),
    "operators/orders": ("operators/orders.py", [
        "x_stable_reference", "x__parse_time", "x_window_start", "x_settle_duplicates"]),
    "capabilities (order helpers)": ("capabilities.py", ["x_find_orders", "x_precheck_orders"]),
    "hooks/kakaclo (orders)": ("hooks/kakaclo.py", [
        *_m("KakaCloHook", "get_order_statuses", "find_orders"),
        *_m("_OrderPager", "*"), "x__order_ids", "x_order_status"]),
    "hooks/birdsystem (orders)": ("hooks/birdsystem.py", ["x_consignment_status"]),
    "stock (plan)": ("stock.py", [*_m("StockRow", "*"), "x_diff_batch", "x_batched", "x_check_identifier"]),
    "skus (plan)": ("skus.py", ["x_same_value", "x_changed_fields", "x_plan_batch"]),
    "hooks/qianyi (signing)": ("hooks/qianyi.py", ["x_sign", *_m("QianyiWire", "authorize")]),
    "lifecycle": ("lifecycle.py", ["*"]),
}

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          37: "type check", None: "not checked"}


def module_name(source: str) -> str:
    return PKG + "." + source.removesuffix(".py").replace("/", ".")


def patterns(labels: list[str]) -> list[str]:
    out = []
    for label in labels:
        source, functions = MODULES[label]
        mod = module_name(source)
        out += [f"{mod}.*" if f == "*" else f"{mod}.{f}__mutmut_*" for f in functions]
    return out


def label_of(mutant: str, labels: list[str]) -> str | None:
    from fnmatch import fnmatchcase

    for label in labels:
        if any(fnmatchcase(mutant, p) for p in patterns([label])):
            return label
    return None


def changed_lines(diff: str) -> list[str]:
    """The diff's removed and added lines, whitespace-trimmed: what identifies a mutant across
    renumbering (mutmut numbers mutants per function, so an edit elsewhere in it shifts the ids)."""
    return [line[0] + line[1:].strip() for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def load_equivalents() -> list[dict]:
    if not EQUIVALENT_FILE.exists():
        return []
    return tomllib.loads(EQUIVALENT_FILE.read_text("utf-8")).get("equivalent", [])


def is_equivalent(mutant: str, diff: str, equivalents: list[dict]) -> dict | None:
    function = mutant.partition("__mutmut_")[0]
    lines = changed_lines(diff)
    for entry in equivalents:
        if entry["function"] == function and changed_lines(entry["diff"]) == lines:
            return entry
    return None


def unchecked(labels: list[str], codes_wanted: tuple = (None,)) -> list[str]:
    """The selected mutants of an earlier, interrupted run that have no result yet (or, with
    ``codes_wanted=(0,)``, those that survived it: to check them again after adding tests)."""
    names = []
    for label in labels:
        meta = ROOT / "mutants" / PKG / (MODULES[label][0] + ".meta")
        if meta.exists():
            codes = json.loads(meta.read_text())["exit_code_by_key"]
            names += [m for m, code in codes.items() if code in codes_wanted and label_of(m, [label])]
    return names


def run_mutmut(labels: list[str], jobs: int, resume: bool, survivors: bool = False) -> None:
    env = dict(os.environ, PYTHONPATH="")  # the mutated copy must be the package the tests import
    todo = unchecked(labels, (0,)) if survivors else unchecked(labels) if resume else patterns(labels)
    if not todo:
        return
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *todo]
    print("+", " ".join(cmd[:6]), f"<{len(todo)} {'mutants' if resume or survivors else 'function globs'}>", flush=True)
    # mutmut draws a spinner; keep its output (it names a broken clean run) but not on the terminal.
    with open(ROOT / "mutants-run.log", "w") as log:
        code = subprocess.call(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if code != 0:
        sys.exit(f"mutmut run failed ({code}); see mutants-run.log")


def collect(labels: list[str]) -> dict:
    os.chdir(ROOT)
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    equivalents = load_equivalents()
    rows: dict[str, Counter] = {label: Counter() for label in labels}
    details: dict[str, list[dict]] = {label: [] for label in labels}
    for label in labels:
        source, _ = MODULES[label]
        path = Path(PKG) / source
        meta = json.loads((ROOT / "mutants" / (str(path) + ".meta")).read_text())
        for mutant, code in sorted(meta["exit_code_by_key"].items()):
            if label_of(mutant, [label]) is None:
                continue
            status = STATUS.get(code, "suspicious")
            rows[label]["mutants"] += 1
            if status == "not checked":  # an interrupted run: said, never hidden
                rows[label]["not run"] += 1
                continue
            if status != "survived":
                rows[label][status] += 1
                continue
            diff = get_diff_for_mutant(mutant, path=path)
            entry = is_equivalent(mutant, diff, equivalents)
            rows[label]["equivalent" if entry else "survived"] += 1
            details[label].append({"mutant": mutant, "equivalent": bool(entry),
                                   "reason": entry["reason"] if entry else None, "diff": diff})
    return {"rows": rows, "details": details}


COLUMNS = ["mutants", "killed", "survived", "equivalent", "timeout", "no tests", "not run"]


def table(rows: dict[str, Counter]) -> str:
    lines = ["| module | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    total: Counter = Counter()
    for label, row in rows.items():
        total.update(row)
        lines.append(f"| {label} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    lines.append("| **total** | " + " | ".join(f"**{total[c]}**" for c in COLUMNS) + " |")
    return "\n".join(lines)


def report(result: dict, wall: float | None, labels: list[str]) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}"
    import mutmut

    head = (f"Last `make mutate`: {stamp}, {machine}, mutmut {mutmut.__version__}"
            + (f", wall time {wall / 60:.1f} min." if wall else
               ": results read back from ./mutants (possibly several runs joined with --resume)."))
    md = [head, "", table(result["rows"]), ""]
    for label in labels:
        survivors = [d for d in result["details"][label] if not d["equivalent"]]
        if survivors:
            md += [f"## Survived: {label}", ""]
            for d in survivors:
                md += [f"`{d['mutant']}`", "", "```diff", d["diff"], "```", ""]
    text = "\n".join(md)
    for label in labels:
        survivors = [d for d in result["details"][label] if not d["equivalent"]]
        print(f"\n== {label}: {len(survivors)} surviving mutant(s)")
        for d in survivors:
            print(f"-- {d['mutant']}\n{d['diff']}")
    print("\n" + head + "\n\n" + table(result["rows"]))
    OUT.mkdir(exist_ok=True)
    (OUT / "last-run.md").write_text(text + "\n", "utf-8")
    (OUT / "last-run.json").write_text(json.dumps(
        {"date": stamp, "machine": machine, "wall_seconds": round(wall) if wall else None,
         "rows": {k: dict(v) for k, v in result["rows"].items()}, "details": result["details"]},
        indent=1, ensure_ascii=False) + "\n", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", nargs="*", choices=list(MODULES), help="some modules (default: all)")
    parser.add_argument("--resume", action="store_true",
                        help="run only the mutants an interrupted run left unchecked (keeps ./mutants)")
    parser.add_argument("--survivors", action="store_true",
                        help="run the last run's survivors again (after adding tests; keeps ./mutants)")
    parser.add_argument("--report-only", action="store_true", help="re-read ./mutants, run nothing")
    args = parser.parse_args()
    labels = args.only or list(MODULES)
    wall = None
    if not args.report_only:
        start = time.monotonic()
        if not (args.resume or args.survivors):  # mutmut keeps results in ./mutants; a run starts from the sources as they are
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        run_mutmut(labels, args.jobs, args.resume, args.survivors)
        wall = time.monotonic() - start
    report(collect(labels), wall, labels)


if __name__ == "__main__":
    main()
