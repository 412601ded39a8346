"""`make faults`' table: the groups of runs summed by kind and rate, what breaks the goal,
and the table printed (local/faults.py)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from local.fault_lab import Group
from local.fault_measure import Measure
from tests.fakes.digit_server import ANSWER_LOST


@dataclass
class Row:
    kind: str
    rate: float
    targets: list[str]
    measure: Measure = field(default_factory=Measure)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        m = self.measure
        return {
            "kind": self.kind,
            "rate": self.rate,
            "runs": m.runs,
            "final": m.final,
            "lost": m.lost,
            "stored_twice": m.stored_twice,
            "sent_twice": m.sent_twice,
            "phantom": m.phantom,
            "attempts": max(m.attempts, default=0),
            "attempts_mean": round(sum(m.attempts) / len(m.attempts), 2) if m.attempts else 0,
            "lost_in_service": m.lost_in_service,
            "lost_in_neither": m.lost_in_neither,
            "lost_answers": m.lost_answers,
            "not_created": m.not_created,
            "failed_runs": m.failed_runs,
            "faults_injected": m.injected,
            "targets": self.targets,
            "seconds": round(self.seconds, 1),
        }

    def violations(self) -> list[str]:
        """What breaks the goal (empty: exactly once)."""
        m, found = self.measure, []
        if m.final < m.runs:
            found.append(f"{m.runs - m.final} runs never reached a final status")
        for name in ("lost", "stored_twice", "phantom"):
            if getattr(m, name):
                found.append(f"{name} = {getattr(m, name)}")
        bound = m.lost_answers if self.kind == ANSWER_LOST else 0
        if m.sent_twice > bound:
            found.append(f"sent_twice = {m.sent_twice} > {bound}")
        return found


def summarise(groups: Sequence[Group]) -> list[Row]:
    rows: dict[tuple[str, float], Row] = {}
    for group in groups:
        row = rows.setdefault((group.kind, group.rate), Row(group.kind, group.rate, []))
        if group.target not in row.targets:
            row.targets.append(group.target)
        row.measure.add(group.measure)
    seconds: dict[tuple[str, float, str, int], float] = {}
    for group in groups:
        seconds[(group.kind, group.rate, group.target, group.seed)] = group.seconds
    for (kind, rate, _, _), value in seconds.items():
        rows[(kind, rate)].seconds += value
    return list(rows.values())


def render(rows: Sequence[Row], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    columns = (
        ("kind", "left"),
        ("rate", "right"),
        ("on", "left"),
        ("runs", "right"),
        ("final", "right"),
        ("lost", "right"),
        ("stored twice", "right"),
        ("sent twice", "right"),
        ("answers lost", "right"),
        ("phantom", "right"),
        ("not created", "right"),
        ("failed runs", "right"),
        ("attempts", "right"),
        ("faults", "right"),
        ("s", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in rows:
        data = row.to_json()
        style = "red" if row.violations() else None
        table.add_row(
            row.kind,
            f"{row.rate:.0%}",
            "+".join(row.targets),
            *(
                str(data[name])
                for name in (
                    "runs",
                    "final",
                    "lost",
                    "stored_twice",
                    "sent_twice",
                    "lost_answers",
                    "phantom",
                    "not_created",
                    "failed_runs",
                )
            ),
            f"{data['attempts']} (mean {data['attempts_mean']})",
            str(data["faults_injected"]),
            f"{data['seconds']:.0f}",
            style=style,
        )
    return table
