"""`driftline notify` against webhook servers on 127.0.0.1, on the project of tests/cli_project.py (DuckDB and
PostgreSQL): what Slack, Teams and a generic JSON webhook receive, that an alert is sent once per destination
(recorded in the warehouse), and that a failed delivery exits 1 and leaves its alerts pending.

How the requests reach the local servers: apprise's own plugins build and post every payload. The Teams plugin
(workflows://HOST:PORT/...) and the generic one (json://HOST:PORT/...) take the host from the URL; Teams always
posts over https, so its server is an HTTPS one with a self-signed certificate, accepted through apprise's standard
`?verify=no` option. The Slack plugin posts only to hooks.slack.com, so the tests point its webhook base
(NotifySlack.webhook_url, a class attribute) at the local HTTPS server. This proves what driftline hands apprise
and what apprise sends (the payload shapes Slack's incoming webhooks and Teams' workflow triggers document); it
cannot prove that the real services accept or render it.
"""
from __future__ import annotations

import datetime
import html
import ipaddress
import json
import socket
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from cli_project import ENGINES, MONITORS, built
from driftline.status import number

FAMILIES = ["performance", "multivariate_drift", "univariate_drift", "data_quality", "summary_stats"]
SLACK_TOKENS = "T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
SLACK_BLOCK_TOKENS = "T2KK4U4M3/B2CSUE5KE/UJjbkleombldPYsJefwj8"
WORKFLOW, SIGNATURE = "643e69f83c8944438d68119179a10a64", "KODuebWbDGYFr0z0eu6Rj8aUKz7108W3wrNJZxFE5A"
SECRETS = ["TIiajkdnlazkcOXrIdevi7", "UJjbkleombldPYsJefwj8", SIGNATURE, "driftline-secret"]

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


# -- local webhook servers ----------------------------------------------------------------------------------------

@dataclass
class Received:
    scheme: str
    path: str
    query: dict
    headers: dict
    body: dict


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        hooks = self.server.hooks
        hooks.received.append(Received(self.server.scheme, parts.path, parse_qs(parts.query),
                                       {k.lower(): v for k, v in self.headers.items()}, json.loads(raw or b"null")))
        status = 500 if parts.path.startswith("/fail") and hooks.failing else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def _certificate(folder) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "hook.crt", folder / "hook.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


class Hooks:
    """A plain-HTTP and an HTTPS webhook server on 127.0.0.1 recording every request; paths under /fail answer 500
    while `failing` is set. serve(port) adds a plain server on a given port."""

    def __init__(self, folder):
        self.received: list[Received] = []
        self.failing = True
        self.servers: list[ThreadingHTTPServer] = []
        self.http_port = self.serve(0)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_certificate(folder))
        self.https_port = self.serve(0, context)

    def serve(self, port: int, tls: ssl.SSLContext | None = None) -> int:
        server = ThreadingHTTPServer(("127.0.0.1", port), _Hook)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.hooks, server.scheme = self, "https" if tls else "http"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return server.server_address[1]

    def take(self) -> list[Received]:
        """The requests received since the last take."""
        taken, self.received = self.received, []
        return taken

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def closed_port() -> int:
    """A port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    served = Hooks(tmp_path_factory.mktemp("hooks"))
    yield served
    served.close()


@pytest.fixture(scope="module", params=ENGINES)
def project(request, tmp_path_factory):
    return built(request.param, tmp_path_factory)


@pytest.fixture
def fresh(project, hooks, monkeypatch):
    """No notification sent yet (driftline_notifications dropped), no request recorded, Slack posting locally."""
    from apprise.plugins.slack import NotifySlack

    project.execute(f'drop table if exists "{project.schema}".driftline_notifications')
    hooks.take()
    hooks.failing = True
    monkeypatch.setattr(NotifySlack, "webhook_url", f"https://127.0.0.1:{hooks.https_port}/services")
    return project


def urls(hooks) -> dict[str, str]:
    return {"slack": f"slack://{SLACK_TOKENS}?verify=no",
            "slack_blocks": f"https://hooks.slack.com/services/{SLACK_BLOCK_TOKENS}?blocks=yes&verify=no",
            "teams": f"workflows://127.0.0.1:{hooks.https_port}/{WORKFLOW}/{SIGNATURE}?verify=no",
            "json": f"json://127.0.0.1:{hooks.http_port}/hooks/driftline-secret-json"}


# -- what the warehouse says ----------------------------------------------------------------------------------------

def open_alerts(project, monitor: str):
    alerts = project.table("driftline_alerts")
    mine = alerts[(alerts.monitor == monitor) & alerts.is_latest_chunk.astype(bool) & ~alerts.allow_listed.astype(bool)]
    return mine.sort_values("alert_rank")


def family_counts(project, monitor: str) -> str:
    counts = open_alerts(project, monitor).family.value_counts()
    return ", ".join(f"{family} {int(counts[family])}" for family in FAMILIES if family in counts)


def notifications(project):
    return project.query(f'select * from "{project.schema}".driftline_notifications')


def check_message(project, monitor: str, title: str, text: str, report: str | None = None) -> None:
    """The message of one monitor: monitor, chunk, performance alerts first with their causes, counts per family."""
    alerts = open_alerts(project, monitor)
    first = alerts.iloc[0]
    assert title == f"driftline: {monitor} has {len(alerts)} open alert(s) in chunk {first.chunk_key}"
    lines = text.splitlines()
    assert lines[0] == f"Monitor: {monitor}"
    assert lines[1].startswith(f"Chunk: {first.chunk_key} (") and lines[1].endswith(f", {int(first.n_rows):,} rows)")
    assert f"Alerts per family: {family_counts(project, monitor)}" in lines
    performance = alerts[alerts.family == "performance"]
    if len(performance):
        top = performance.iloc[0]
        assert lines[2] == "Performance alerts:"
        assert lines[3].startswith(f"- {top.kind} {top.method} ") and lines[3].endswith(f"; likely causes: {top.likely_causes}")
        assert lines.index("Performance alerts:") < lines.index(f"Alerts per family: {family_counts(project, monitor)}")
    else:
        assert "Performance alerts:" not in lines
    assert lines[-1] == (f"Report: {report}" if report else
                         f"Report: run `driftline report --monitor {monitor} -o driftline_report.html` after `dbt build` "
                         "to write it (or pass --report-url to link a published one)")


def by_monitor(requests: list[Received], title) -> dict[str, Received]:
    found = {}
    for request in requests:
        name = next(m for m in MONITORS if f"driftline: {m} has " in title(request))
        assert name not in found, f"two messages for {name}"
        found[name] = request
    return found


# -- tests ----------------------------------------------------------------------------------------------------------

def test_slack_teams_and_a_json_webhook_each_get_one_message_per_monitor(fresh, hooks):
    project, to = fresh, urls(hooks)
    report = "https://ci.example.com/driftline_report.html#monitor-{monitor}"
    code, out, err = project.cli("notify", "--to", to["slack"], "--to", to["teams"], "--report-url", report,
                                 env={"DRIFTLINE_NOTIFY_URLS": f"{to['json']}, {to['slack_blocks']}"})
    assert code == 0 and not err, err
    assert out.splitlines()[0].startswith("driftline notify: reading driftline tables from ")
    assert out.splitlines()[0].split(" on ")[0].endswith(f".{project.schema}")
    received = hooks.take()
    assert all(r.headers["content-type"].startswith("application/json") for r in received)

    slack = [r for r in received if r.path == f"/services/{SLACK_TOKENS}"]
    for monitor, request in by_monitor(slack, lambda r: r.body["attachments"][0]["title"]).items():
        attachment = request.body["attachments"][0]  # Slack's message attachment: title, text (mrkdwn), colour
        assert request.scheme == "https" and request.body["mrkdwn"] is True
        check_message(project, monitor, attachment["title"], html.unescape(attachment["text"]),
                      report.replace("{monitor}", monitor))

    blocks = [r for r in received if r.path == f"/services/{SLACK_BLOCK_TOKENS}"]
    for monitor, request in by_monitor(blocks, lambda r: r.body["attachments"][0]["blocks"][0]["text"]["text"]).items():
        header, section = request.body["attachments"][0]["blocks"][:2]  # Block Kit: a header, then a mrkdwn section
        assert header["type"] == "header" and header["text"]["type"] == "plain_text"
        assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
        check_message(project, monitor, header["text"]["text"], html.unescape(section["text"]["text"]),
                      report.replace("{monitor}", monitor))

    teams = [r for r in received if r.path == f"/workflows/{WORKFLOW}/triggers/manual/paths/invoke"]
    card = lambda r: r.body["attachments"][0]["content"]  # noqa: E731
    text_block = lambda r, block_id: next(b["text"] for b in card(r)["body"] if b.get("id") == block_id)  # noqa: E731
    for monitor, request in by_monitor(teams, lambda r: text_block(r, "title")).items():
        assert request.scheme == "https" and request.query["sig"] == [SIGNATURE]
        assert request.body["type"] == "message"
        assert request.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card(request)["type"] == "AdaptiveCard" and card(request)["version"] == "1.4"
        check_message(project, monitor, text_block(request, "title"), text_block(request, "body"),
                      report.replace("{monitor}", monitor))

    generic = [r for r in received if r.path == "/hooks/driftline-secret-json"]
    for monitor, request in by_monitor(generic, lambda r: r.body["title"]).items():
        assert request.scheme == "http" and request.body["type"] == "warning" and request.body["version"] == "1.0"
        check_message(project, monitor, request.body["title"], request.body["message"], report.replace("{monitor}", monitor))
    assert len(received) == 4 * len(MONITORS)

    sent = notifications(project)
    n_open = sum(len(open_alerts(project, m)) for m in MONITORS)
    assert len(sent) == 4 * n_open and sent.destination_id.nunique() == 4
    assert sorted(sent.destination.unique()) == sorted([
        "slack://T...2/A...D/T...7", "slack://T...3/B...E/U...8",
        f"workflow://127.0.0.1:{hooks.https_port}/6...4/K...A", f"json://127.0.0.1:{hooks.http_port}/hooks/d...n"])
    stored = " ".join(str(v) for v in sent.astype(str).to_numpy().ravel())
    assert not [s for s in SECRETS if s in stored + out]  # secrets stay out of the warehouse and the output
    car_loan = sent[(sent.monitor == "car_loan") & (sent.destination.str.startswith("json://"))]
    alerts = open_alerts(project, "car_loan")
    assert sorted(car_loan.alert_key) == sorted(
        "|".join("" if v is None or v != v else str(v) for v in (r.chunk_key, r.family, r.kind, r.column_name, r.method))
        for r in alerts.itertuples())
    assert sent.sent_at.notna().all()


def test_a_second_run_sends_nothing_new_and_all_sends_again(fresh, hooks):
    project, to = fresh, urls(hooks)
    code, _, err = project.cli("notify", "--to", to["json"])
    assert code == 0, err
    assert len(hooks.take()) == len(MONITORS)
    first = notifications(project)
    code, out, err = project.cli("notify", "--to", to["json"])
    n_open = sum(len(open_alerts(project, m)) for m in MONITORS)
    assert code == 0 and not err, err
    assert hooks.take() == []
    assert (f"driftline notify: json://127.0.0.1:{hooks.http_port}/hooks/d...n: nothing new ({n_open} open alert(s) "
            "sent before; --all sends them again)") in out.splitlines()
    code, out, err = project.cli("notify", "--to", to["json"], "--all", "--monitor", "car_price")
    assert code == 0, err
    again = hooks.take()
    assert [r.body["title"] for r in again] == [f"driftline: car_price has {len(open_alerts(project, 'car_price'))} "
                                                 "open alert(s) in chunk [2500:2999]"]
    after = notifications(project)
    assert len(after) == len(first) == n_open  # a resent alert keeps one row, with its new time
    resent = after.monitor == "car_price"
    assert (after[resent].sent_at > first.sent_at.max()).all()
    assert sorted(after[~resent].sent_at.unique()) == sorted(first[first.monitor == "car_loan"].sent_at.unique())


def test_only_the_alerts_not_sent_yet_go_out(fresh, hooks):
    """Alerts of the latest chunk that a destination has not had (here: its univariate ones forgotten) go out alone,
    and the message says how many are open in all."""
    project, to = fresh, urls(hooks)
    code, _, err = project.cli("notify", "--to", to["json"], "--monitor", "car_loan")
    assert code == 0, err
    hooks.take()
    project.execute(f"delete from \"{project.schema}\".driftline_notifications where family = 'univariate_drift'")
    code, _, err = project.cli("notify", "--to", to["json"], "--monitor", "car_loan")
    assert code == 0, err
    alerts = open_alerts(project, "car_loan")
    drift = alerts[alerts.family == "univariate_drift"]
    [request] = hooks.take()
    assert request.body["title"] == (f"driftline: car_loan has {len(drift)} new alert(s) ({len(alerts)} open) in chunk "
                                     f"{alerts.chunk_key.iloc[0]}")
    lines = request.body["message"].splitlines()
    assert f"Alerts per family: univariate_drift {len(drift)}" in lines and "Performance alerts:" not in lines
    listed = [line for line in lines if line.startswith("- ")]
    top = drift.iloc[0]
    assert listed[0].startswith(f"- univariate_drift {top.column_name}: {top.method} {number(top.value)} > ")
    assert len(listed) == len(drift) and len(notifications(project)) == len(alerts)


def test_a_failed_delivery_exits_1_names_the_destination_and_stays_pending(fresh, hooks):
    project = fresh
    refused = closed_port()
    broken = f"json://127.0.0.1:{hooks.http_port}/fail/driftline-secret-500"
    unreachable = f"json://127.0.0.1:{refused}/hooks/driftline-secret-refused"
    working = f"json://127.0.0.1:{hooks.http_port}/hooks/driftline-secret-ok"
    code, out, err = project.cli("notify", "--to", broken, "--to", unreachable, "--to", working)
    assert code == 1
    failures = [line for line in err.splitlines() if line.startswith("driftline notify: delivery of ")]
    assert len(failures) == 2 * len(MONITORS)
    n = {m: len(open_alerts(project, m)) for m in MONITORS}
    assert (f"driftline notify: delivery of car_loan's {n['car_loan']} alert(s) to json://127.0.0.1:{hooks.http_port}/fail/d...0 "
            "failed: Failed to send JSON POST notification: Internal server error, error=500. They stay pending: the next run "
            "sends them.") in failures
    assert (f"driftline notify: delivery of car_price's {n['car_price']} alert(s) to json://127.0.0.1:{refused}/hooks/d...d "
            "failed: A Connection error occurred sending JSON notification to 127.0.0.1. They stay pending: the next run "
            "sends them.") in failures
    assert not [s for s in SECRETS if s in out + err]
    sent = notifications(project)
    assert set(sent.destination) == {f"json://127.0.0.1:{hooks.http_port}/hooks/d...k"}  # the one that succeeded
    assert len(sent) == sum(n.values())
    hooks.take()

    hooks.failing = False  # both endpoints work again
    hooks.serve(refused)
    code, out, err = project.cli("notify", "--to", broken, "--to", unreachable, "--to", working)
    assert code == 0 and not err, err
    received = hooks.take()
    assert sorted((r.path, r.body["title"].split(" has ")[0]) for r in received) == sorted(
        (path, f"driftline: {m}") for path in ("/fail/driftline-secret-500", "/hooks/driftline-secret-refused")
        for m in MONITORS)  # the pending alerts, and nothing new for the working destination
    assert len(notifications(project)) == 3 * sum(n.values())


def test_dry_run_prints_the_messages_and_sends_nothing(fresh, hooks):
    project = fresh
    code, out, err = project.cli("notify", "--dry-run", "--monitor", "car_loan", "--to", urls(hooks)["json"])
    assert code == 0 and not err, err
    assert hooks.take() == []
    lines = out.splitlines()
    start = lines.index(f"--- json://127.0.0.1:{hooks.http_port}/hooks/d...n (dry run: not sent, not recorded)")
    body = lines[start + 2:lines.index("", start)]
    check_message(project, "car_loan", lines[start + 1], "\n".join(body))
    tables = project.query("select table_name from information_schema.tables "
                           f"where table_schema = '{project.schema}'").table_name
    assert "driftline_notifications" not in set(tables)


def test_destinations_are_required_and_checked(fresh):
    project = fresh
    code, _, err = project.cli("notify", env={"DRIFTLINE_NOTIFY_URLS": None})
    assert code == 2 and "driftline: no destination to notify: pass --to URL (repeatable) or set DRIFTLINE_NOTIFY_URLS" in err
    code, _, err = project.cli("notify", "--to", "nonsense://driftline-secret-token/x")
    assert code == 2 and "destination 1 (nonsense://...) is not a notification URL apprise can use" in err
    assert "driftline-secret" not in err
    code, _, err = project.cli("notify", "--dry-run", "--monitor", "car_loans")
    assert code == 2 and f"monitor car_loans is not in {project.schema}.driftline_chunks (monitors: car_loan, car_price)" in err
