"""`driftline notify`: the open alerts of every monitor's latest chunk, delivered to people.

One message per monitor (its latest analysis chunk, the performance alerts first with their likely causes, the
count of alerts per family, where the report is) to each destination, through apprise: Slack incoming webhooks,
Microsoft Teams (Power Automate workflows), generic JSON webhooks and every other service apprise knows.

An alert is sent once per destination. What was sent lives in the warehouse, in driftline_notifications beside
driftline_alerts (one row per destination x monitor x alert, with the time sent), never in a local file, so any
machine that runs the command after `dbt build` continues where the last one stopped. A delivery that fails is
not recorded: its alerts go out on the next run. An alert is identified by its chunk_key, family, kind,
column_name and method.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import pandas as pd

from .status import bound_text, number

__all__ = ["ENV_URLS", "NOTIFICATIONS", "Destination", "Message", "NotifyRun", "destination_urls", "destinations",
           "open_alerts", "compose", "deliver", "notify"]

ENV_URLS = "DRIFTLINE_NOTIFY_URLS"
ALERTS = "driftline_alerts"
CHUNKS = "driftline_chunks"
NOTIFICATIONS = "driftline_notifications"
NOTIFICATION_TYPES = {"monitor": "text", "alert_key": "text", "chunk_key": "text", "family": "text", "kind": "text",
                      "column_name": "text", "method": "text", "destination_id": "text", "destination": "text",
                      "sent_at": "timestamp"}
IDENTITY = ["chunk_key", "family", "kind", "column_name", "method"]  # an alert, within its monitor
LISTED = 10  # alert lines per message; the rest are counted
URL_HELP = ("slack://TOKEN_A/TOKEN_B/TOKEN_C or https://hooks.slack.com/services/... (Slack), workflows://HOST:PORT/"
            "WORKFLOW/SIGNATURE or the https://...logic.azure.com/... workflow URL (Microsoft Teams), json://HOST/PATH or "
            "jsons://HOST/PATH (any JSON webhook)")


# -- destinations ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Destination:
    """One apprise URL: the plugin that posts to it, a label with its secrets masked, and a stable id (a hash of the
    URL) under which the warehouse records what it was sent."""
    label: str
    id: str
    plugin: Any = field(repr=False, compare=False)
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)  # parts of the URL the label hides

    def scrub(self, text: str) -> str:
        """text with every secret part of the URL masked."""
        for secret in self.secrets:
            text = text.replace(secret, _mask_segment(secret))
        return text


def destination_urls(given: Iterable[str] | None, environ: dict[str, str] | None = None) -> list[str]:
    """The --to URLs, then those of $DRIFTLINE_NOTIFY_URLS (separated by spaces, commas or newlines), each once."""
    from_env = re.split(r"[\s,]+", (environ if environ is not None else os.environ).get(ENV_URLS, ""))
    return list(dict.fromkeys(u.strip() for u in [*(given or []), *from_env] if u and u.strip()))


def _mask_segment(segment: str) -> str:
    return segment if len(segment) < 8 or "..." in segment else f"{segment[0]}...{segment[-1]}"


def mask(plugin: Any) -> str:
    """The destination as apprise prints it with privacy on, without its options, every long path part masked
    (a generic webhook's path may be its secret)."""
    text = plugin.url(privacy=True).split("?", 1)[0].rstrip("/")
    scheme, _, rest = text.partition("://")
    host, _, path = rest.partition("/")
    parts = [_mask_segment(p) for p in path.split("/") if p]
    return f"{scheme}://{'/'.join([host, *parts])}"


def destinations(urls: list[str]) -> list[Destination]:
    """An apprise plugin per URL; a ValueError naming (not showing) a URL apprise cannot use."""
    import apprise

    out = []
    for position, url in enumerate(urls, 1):
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
            raise ValueError(f"destination {position} ({scheme}://...) is not a notification URL apprise can use. "
                             f"Fix: give one of {URL_HELP}")
        label = mask(plugin)
        hidden = tuple(t for t in re.split(r"[/?&=:@#,;]+", url) if len(t) >= 8 and t not in label)
        out.append(Destination(label, hashlib.sha256(url.encode()).hexdigest()[:16], plugin, hidden))
    return out


# -- alerts -----------------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A cell as text; '' for NULL / NaN."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def alert_key(row: Any) -> str:
    """The stable identity of an alert within its monitor: chunk_key|family|kind|column_name|method."""
    return "|".join(_text(getattr(row, c)) for c in IDENTITY)


def open_alerts(warehouse: Any, relations: Any, monitors: list[str] | None = None) -> pd.DataFrame:
    """The alerts of each monitor's latest analysis chunk that the allow-list does not cover, in alert_rank order,
    with their alert_key."""
    table = relations[ALERTS]
    if ALERTS not in warehouse.existing(relations, [ALERTS, CHUNKS]):
        raise ValueError(f"{table} does not exist: run `dbt build` first, or pass --schema of the driftline tables")
    only = ""
    if monitors:
        _check_monitors(warehouse, relations, monitors)
        only = " and monitor in (" + ", ".join(warehouse.literal(m) for m in monitors) + ")"
    alerts = warehouse.query(f"select * from {warehouse.qualified(table)} where is_latest_chunk and not allow_listed"
                             f"{only} order by monitor, alert_rank")
    alerts["alert_key"] = [alert_key(r) for r in alerts.itertuples()] if len(alerts) else pd.Series(dtype=object)
    return alerts


def _check_monitors(warehouse: Any, relations: Any, monitors: list[str]) -> None:
    """A ValueError naming the monitors that driftline_chunks does not know."""
    declared = set(warehouse.query(f"select distinct monitor from {warehouse.qualified(relations[CHUNKS])}").monitor)
    unknown = sorted(set(monitors) - declared)
    if unknown:
        raise ValueError(f"monitor {', '.join(unknown)} is not in {relations[CHUNKS]} (monitors: "
                         f"{', '.join(sorted(declared)) or 'none'}). Fix: pass --monitor with one of those names")


def sent_before(warehouse: Any, relations: Any) -> pd.DataFrame:
    """The rows of driftline_notifications (empty, with its columns, before the first delivery)."""
    table = relations.beside(NOTIFICATIONS, ALERTS)
    if not warehouse.exists(table.schema, table.identifier):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in NOTIFICATION_TYPES})
    frame = warehouse.query(f"select * from {warehouse.qualified(table)}")
    return frame[list(NOTIFICATION_TYPES)]


def pending(alerts: pd.DataFrame, sent: pd.DataFrame, destination: Destination, resend: bool) -> pd.DataFrame:
    """The alerts this destination has not been sent yet (all of them with resend)."""
    if resend or alerts.empty:
        return alerts
    mine = sent[sent.destination_id == destination.id]
    done = set(zip(mine.monitor, mine.alert_key))
    return alerts[[(m, k) not in done for m, k in zip(alerts.monitor, alerts.alert_key)]]


# -- messages ---------------------------------------------------------------------------------------------------------

@dataclass
class Message:
    monitor: str
    chunk_key: str
    title: str
    body: str
    alerts: pd.DataFrame = field(repr=False)  # the alerts it reports (recorded once it is delivered)


def _date(value: Any) -> str:
    """A chunk boundary: '2024-06-30' at midnight, else '2024-06-30 13:00'."""
    if _text(value) == "":
        return "?"
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")


def _alert_line(row: Any) -> str:
    """'- estimated roc_auc 0.712 < 0.82; likely causes: ...' or '- univariate_drift car_value: jensen_shannon 0.35 > 0.02'."""
    rate = row.family == "data_quality"  # its value is a share of the rows
    measured = f"{row.method} {number(row.value, rate)}{bound_text(row, rate)}"
    if row.family == "performance":
        causes = _text(row.likely_causes)
        return f"- {_text(row.kind)} {measured}" + (f"; likely causes: {causes}" if causes else "")
    column = _text(row.column_name)
    return f"- {row.family} {column + ': ' if column else ''}{measured}"


def _report_line(monitor: str, report_url: str | None) -> str:
    if report_url:
        return f"Report: {report_url.replace('{monitor}', monitor)}"
    return (f"Report: run `driftline report --monitor {monitor} -o driftline_report.html` after `dbt build` to write it "
            "(or pass --report-url to link a published one)")


def compose(alerts: pd.DataFrame, n_open: int, report_url: str | None = None) -> Message:
    """The message of one monitor's alerts (all from its latest chunk, in alert_rank order); n_open: the open alerts
    of that chunk, of which these are the ones not sent yet."""
    first = alerts.iloc[0]
    monitor, chunk_key = str(first.monitor), str(first.chunk_key)
    n = len(alerts)
    news = f"{n} open alert(s)" if n == n_open else f"{n} new alert(s) ({n_open} open)"
    lines = [f"Monitor: {monitor}",
             f"Chunk: {chunk_key} ({_date(first.chunk_start_date)} to {_date(first.chunk_end_date)}, "
             f"{int(first.n_rows):,} rows)"]
    rows = list(alerts.itertuples())
    performance = [r for r in rows if r.family == "performance"]
    others = [r for r in rows if r.family != "performance"]
    if performance:
        lines.append("Performance alerts:")
        lines += [_alert_line(r) for r in performance[:LISTED]]
    counts = alerts.groupby("family", sort=False).size()
    lines.append("Alerts per family: " + ", ".join(f"{family} {int(count)}" for family, count in counts.items()))
    shown = others[:max(LISTED - len(performance[:LISTED]), 3)]
    if shown:
        lines.append("Other alerts:")
        lines += [_alert_line(r) for r in shown]
    hidden = n - len(performance[:LISTED]) - len(shown)
    if hidden:
        lines.append(f"... and {hidden} more: `driftline status --monitor {monitor}`")
    lines.append(_report_line(monitor, report_url))
    title = f"driftline: {monitor} has {news} in chunk {chunk_key}"
    return Message(monitor, chunk_key, title, "\n".join(lines), alerts)


def messages(alerts: pd.DataFrame, all_open: pd.DataFrame, report_url: str | None) -> list[Message]:
    """One message per monitor of `alerts` (a subset of `all_open`, the open alerts)."""
    n_open = all_open.groupby("monitor").size()
    return [compose(mine, int(n_open[monitor]), report_url) for monitor, mine in alerts.groupby("monitor", sort=True)]


# -- delivery -------------------------------------------------------------------------------------------------------

def deliver(destination: Destination, message: Message) -> str | None:
    """Post the message; None when the destination accepted it, else the reason apprise logged."""
    import apprise
    from apprise import NotifyFormat, NotifyType

    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        ok = destination.plugin.notify(body=message.body, title=message.title, notify_type=NotifyType.WARNING,
                                       body_format=NotifyFormat.MARKDOWN)
    if ok:
        return None
    reasons = [re.sub(r"\.\s*,", ",", line.strip()).rstrip(".") for line in log.getvalue().splitlines() if line.strip()]
    return destination.scrub("; ".join(reasons)) or "apprise reported a failure without a reason"


def _sent_rows(message: Message, destination: Destination, when: pd.Timestamp) -> pd.DataFrame:
    rows = message.alerts[["monitor", "alert_key", *IDENTITY]].copy()
    rows["destination_id"], rows["destination"], rows["sent_at"] = destination.id, destination.label, when
    return rows


def record(warehouse: Any, relations: Any, before: pd.DataFrame, sent: list[pd.DataFrame]) -> str:
    """Rewrite driftline_notifications with the new deliveries (a resent alert keeps only its latest row); returns
    the table's name."""
    table = relations.beside(NOTIFICATIONS, ALERTS)
    new = pd.concat(sent, ignore_index=True)
    replaced = set(zip(new.destination_id, new.monitor, new.alert_key))
    kept = before[[k not in replaced for k in zip(before.destination_id, before.monitor, before.alert_key)]]
    rows = pd.concat([kept, new], ignore_index=True)[list(NOTIFICATION_TYPES)]
    for column, kind in NOTIFICATION_TYPES.items():
        if kind == "text":
            rows[column] = [(_text(v) or None) for v in rows[column]]
    rows["sent_at"] = pd.to_datetime(rows["sent_at"])
    warehouse.write(table.schema, table.identifier, rows, NOTIFICATION_TYPES)
    return str(table)


# -- the command ------------------------------------------------------------------------------------------------------

@dataclass
class NotifyRun:
    lines: list[str] = field(default_factory=list)      # what happened, for stdout
    failures: list[str] = field(default_factory=list)   # one per failed delivery, for stderr


def _dry_run(alerts: pd.DataFrame, sent: pd.DataFrame, targets: list[Destination], resend: bool,
             report_url: str | None) -> NotifyRun:
    """The messages each destination would get, printed; nothing is sent or recorded."""
    run = NotifyRun()
    for destination in targets or [None]:
        todo = alerts if destination is None else pending(alerts, sent, destination, resend)
        label = destination.label if destination else "no destination given"
        for message in messages(todo, alerts, report_url):
            run.lines += [f"--- {label} (dry run: not sent, not recorded)", message.title, message.body, ""]
        if todo.empty:
            run.lines.append(f"--- {label}: nothing to send")
    return run


def notify(warehouse: Any, relations: Any, targets: list[Destination], monitors: list[str] | None = None,
           resend: bool = False, dry_run: bool = False, report_url: str | None = None) -> NotifyRun:
    """Send each destination its pending alerts, one message per monitor, and record what was delivered."""
    alerts = open_alerts(warehouse, relations, monitors)
    sent = sent_before(warehouse, relations)
    if dry_run:
        return _dry_run(alerts, sent, targets, resend, report_url)
    run, delivered = NotifyRun(), []
    if alerts.empty:
        run.lines.append("driftline notify: no open alerts in any monitor's latest chunk; nothing to send")
        return run
    when = pd.Timestamp.now(tz="UTC").tz_localize(None)
    for destination in targets:
        todo = pending(alerts, sent, destination, resend)
        if todo.empty:
            run.lines.append(f"driftline notify: {destination.label}: nothing new ({len(alerts)} open alert(s) sent "
                             "before; --all sends them again)")
        for message in messages(todo, alerts, report_url):
            reason = deliver(destination, message)
            if reason is None:
                delivered.append(_sent_rows(message, destination, when))
                run.lines.append(f"driftline notify: {destination.label}: {message.monitor}: {len(message.alerts)} "
                                 f"alert(s) of chunk {message.chunk_key} sent")
            else:
                run.failures.append(f"delivery of {message.monitor}'s {len(message.alerts)} alert(s) to "
                                    f"{destination.label} failed: {reason}. They stay pending: the next run sends them.")
    if delivered:
        table = record(warehouse, relations, sent, delivered)
        n = sum(len(d) for d in delivered)
        run.lines.append(f"driftline notify: {n} delivered alert(s) recorded in {table}")
    return run
