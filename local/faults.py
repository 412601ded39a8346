"""`make faults`: the create flow is exactly-once under faults (issue #10).

It runs the create flow of facility and user files (30 rows, chunks of 10, batches of 5)
on the local stack, into the built-in registry and into DIGIT (the fake on 127.0.0.1),
while seeded faults are injected at a rate of 0%, 10% and 30% of the calls they are about:

  5xx          the DIGIT fake answers 500/502/503/504, doing nothing
  timeout      it does the work and answers after the read timeout
  reset        it resets the connection, doing nothing
  answer_lost  it does the work, then resets the connection instead of answering
  throttle     DynamoDB throttles requests to the built-in registry's table
  s3           S3 fails scratch calls of the Create and Confirm functions (SlowDown, 500)
  crash        the Create function's process dies in the middle of a chunk (a share of
               its invocations; Runtime.ExitError)
  concurrent   ten uploads of one file created at the same moment (no injected fault)

HTTP kinds fault the facility and HRMS paths of the fake (`tests/fakes/digit_server.py`),
the others are injected where moto answers (`local/fault_injection.py`). Each kind and rate
prints one row, measured from the ground truth, never from what the flow says of itself:

  lost          rows the service holds that the processed file does not report CREATED
                (with that id), and rows missing from a processed file that the service
                does not hold either (a run that ended `failed` without a processed file,
                having created nothing, loses nothing: its rows count as not created)
  stored twice  service records beyond one per row (records sharing a business key or
                a client reference)
  sent twice    create requests for a row that already existed: counted by the fake per
                client reference; for the registry, REF claims written again (moto calls)
  phantom       rows reported CREATED (or SKIPPED with an id) that the service lacks
  not created   rows reported NOT_CREATED or FAILED (or of a failed run) that the service
                does not hold: honest failures, not losses
  attempts      the resources' counts.attempts (max)

The goal: 0 lost, 0 stored twice, 0 phantom at every rate; 0 sent twice, except for
answer_lost, where at most the answers lost. Results go to out/faults.json (one object per
row) and out/faults_runs.json (every run, with its seed and resource id); the handlers'
logs to out/faults.log. `--quick` runs one seed at 0% and 30%.
"""

import argparse
import io
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from local.fault_injection import CRASH, S3, THROTTLE
from local.fault_lab import BUILTIN, CONCURRENT, DIGIT, PARAMETERS, ROWS, FaultLab, Group
from local.fault_measure import Measure
from local.fault_table import Row, render, summarise
from local.template import ROOT
from tests.fakes.digit_server import ANSWER_LOST, RESET, SERVER_ERROR, TIMEOUT

OUT = ROOT / "out"
#: kind -> the targets it applies to
KINDS: dict[str, tuple[str, ...]] = {
    SERVER_ERROR: (DIGIT,),
    TIMEOUT: (DIGIT,),
    RESET: (DIGIT,),
    ANSWER_LOST: (DIGIT,),
    THROTTLE: (BUILTIN,),
    S3: (BUILTIN, DIGIT),
    CRASH: (BUILTIN, DIGIT),
    CONCURRENT: (BUILTIN, DIGIT),
}
RATES = (0.0, 0.1, 0.3)
SEEDS = (1, 2, 3)


def plan(quick: bool) -> list[tuple[str, str, float, int]]:
    """(target, kind, rate, seed) of every group, grouped by target (one stack each)."""
    rates = (0.0, 0.3) if quick else RATES
    seeds = SEEDS[:1] if quick else SEEDS
    groups = []
    for target in (BUILTIN, DIGIT):
        for kind, targets in KINDS.items():
            if target not in targets:
                continue
            if kind == CONCURRENT:
                groups += [(target, kind, 0.0, seed) for seed in seeds[:2]]
            else:
                groups += [(target, kind, rate, seed) for rate in rates for seed in seeds]
    return groups


def run(groups: Sequence[tuple[str, str, float, int]], say: Any = print) -> list[Group]:
    done: list[Group] = []
    for target, members in itertools.groupby(groups, key=lambda group: group[0]):
        say(f"bringing up the local stack with the {target} target ...")
        with FaultLab(target) as lab:
            for _, kind, rate, seed in members:
                results = lab.run_group(kind, rate, seed)
                done += results
                measure = Measure()
                for result in results:
                    measure.add(result.measure)
                verdict = "ok" if not Row(kind, rate, [], measure).violations() else "VIOLATION"
                say(
                    f"  {target:7} {kind:11} {rate:4.0%} seed {seed}: {measure.runs} runs, "
                    f"{measure.final} final, {measure.injected} faults, "
                    f"{results[0].seconds:.0f} s  {verdict}"
                )
    return done


@contextmanager
def _logs_to(path: Any) -> Iterator[io.TextIOWrapper]:
    """The handlers' output (stdout and stderr, at the descriptor level) goes to `path`;
    yields a stream on the real stdout for the progress and the table."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    console = open(os.dup(saved_out), "w", buffering=1)  # noqa: SIM115 (closed below)
    with open(path, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            console.close()


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, at 0%% and 30%%")
    options = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    started = time.monotonic()
    with _logs_to(OUT / "faults.log") as stream:
        console = Console(file=stream, width=200, highlight=False)
        groups = run(plan(options.quick), say=console.print)
        rows = summarise(groups)
        minutes = (time.monotonic() - started) / 60
        title = (
            f"The create flow under faults ({ROWS}-row files, chunks of "
            f"{PARAMETERS['ChunkSize']}, batches of {PARAMETERS['CreateBatchSize']}, "
            f"MaxRetries {PARAMETERS['MaxRetries']}; {minutes:.1f} min)"
        )
        console.print(render(rows, title))
        (OUT / "faults.json").write_text(json.dumps([row.to_json() for row in rows], indent=2))
        (OUT / "faults_runs.json").write_text(
            json.dumps([_group_json(group) for group in groups], indent=2)
        )
        broken = [(row, found) for row in rows if (found := row.violations())]
        for row, found in broken:
            _print_violation(console, row, found, groups)
        console.print("out/faults.json, out/faults_runs.json; handler logs in out/faults.log")
    return 1 if broken else 0


def _print_violation(console: Any, row: Row, found: list[str], groups: Sequence[Group]) -> None:
    """What broke the goal for one kind and rate, with the first notes of its groups."""
    console.print(f"[red]{row.kind} at {row.rate:.0%}: {'; '.join(found)}[/red]")
    for group in groups:
        if group.kind == row.kind and group.rate == row.rate and group.measure.notes:
            console.print(
                f"  {group.target} {group.resource_type} seed {group.seed} "
                f"resources {group.resource_ids} {group.statuses}:"
            )
            for note in group.measure.notes[:10]:
                console.print(f"    {note}")


def _group_json(group: Group) -> dict[str, Any]:
    data = asdict(group)
    data["measure"]["lost"] = group.measure.lost
    return data


if __name__ == "__main__":
    sys.exit(main())
