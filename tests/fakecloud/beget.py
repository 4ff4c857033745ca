"""Fake Beget: the legacy API (``/api/{section}/{method}``) and the v1 API (``/v1/...``).

Shapes follow shared/providers/beget (FACTS.md, OpenAPI specs) and docs/providers/beget.md. The
default account reproduces the product description's Beget account: hosting plan «Cloud»
1 847 ₽/month (60.73 ₽/day), 2 VPS (660 and 291.90 ₽/month), a cloud MySQL (870 ₽/month), a free
S3 storage and 6 domains: 3 668.90 ₽/month, 121.46 ₽/day in total. ``extra_vps`` adds N more VPS,
deterministic from ``seed``, for scale tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .server import Fault, Reply, Request

DEMO_LOGIN = "beget-demo"
DEMO_PASSWORD = "beget-demo-password"


@dataclass
class Account:
    login: str
    password: str  # v1 /v1/auth
    api_password: str  # legacy passwd
    forbidden_methods: set[str] = field(default_factory=set)  # legacy "section/method" -> AUTH_ERROR
    # mail/getMailboxList: the mailbox names of each domain (the demo account has none, as its plan_mail 0
    # says); a domain of the account not listed here answers [] and one that is not the account's, an error.
    mailboxes: dict[str, list[str]] = field(default_factory=dict)
    mail_refused: set[str] = field(default_factory=set)  # domains answering INVALID_DATA (no mail service)


def _legacy_ok(result: Any) -> dict[str, Any]:
    return {"status": "success", "answer": {"status": "success", "result": result}}


def _legacy_error(code: str, text: str) -> dict[str, Any]:
    return {"status": "error", "error_code": code, "error_text": text}


def account_info_result(mailboxes: int = 0) -> dict[str, Any]:
    # Types are mixed on purpose, as Beget mixes them: some numbers arrive as strings.
    return {
        "plan_name": "Cloud",
        "user_sites": 2, "plan_site": 25,
        "user_domains": "6", "plan_domain": 2147483647,
        "user_mysqlsize": 0, "plan_mysql": 0,
        "user_quota": 2150, "plan_quota": 30720,
        "user_ftp": 0, "plan_ftp": 0,
        "user_mail": str(mailboxes), "plan_mail": 0,
        "user_bash": "/bin/bash", "plan_cp": 1,
        "user_rate_current": "60.73",
        "user_is_year_plan": "0",
        "user_rate_year": 22166,
        "user_rate_month": 1847,
        "user_balance": "174.51",
        "user_days_to_block": "3",
        "server_apache_version": "2.4.63", "server_mysql_version": "5.7.21-20-beget",
        "server_nginx_version": "1.27.4", "server_perl_version": "5.14.2",
        "server_php_version": "8.2.13", "server_python_version": "2.7.3",
        "server_name": "gagarin7.beget.com",
        "server_cpu_name": "12 * Intel(R) Xeon(R) CPU E5-2620 0 @ 2.00GHz",
        "server_memory": 32003, "server_memorycurrent": "5532",
        "server_loadaverage": "5.37", "server_uptime": 834,
    }


def domain_list_result() -> list[dict[str, Any]]:
    registered = {
        "id": 13314909, "fqdn": "infrazen-demo.ru", "date_add": "2025-09-23 10:12:00", "auto_renew": "1",
        "date_register": "2025-09-23", "date_expire": "2026-09-23", "can_renew": 0, "registrar": "beget",
        "registrar_status": "delegated", "register_order_status": "FINISH", "is_under_control": 1,
    }
    technical = [
        (13283697, "quiet-river.beget.app"), (13285381, "amber-field.beget.app"),
        (13285384, "silent-peak.beget.app"), (13299032, "bright-cove.beget.app"),
        (13384540, "noufekuklorheg.beget.app"),
    ]
    return [registered] + [
        {"id": str(i), "fqdn": fqdn, "date_add": "2025-09-20 08:00:00", "auto_renew": 0, "date_register": "",
         "date_expire": "", "can_renew": 0, "registrar": "", "registrar_status": "", "register_order_status": "",
         "is_under_control": 0}
        for i, fqdn in technical
    ]


def _vps(vps_id: str, name: str, *, cpu: int, memory: int, disk: int, price_day: Any, price_month: Any,
         ip: str, status: str = "RUNNING", region: str = "ru1", software: dict | None = None) -> dict[str, Any]:
    return {
        "id": vps_id, "slug": name.lower().replace(" ", "-"), "display_name": name,
        "hostname": f"{name.lower().replace(' ', '-')}.beget.app",
        "configuration": {
            "id": f"cfg-{cpu}-{memory}", "name": f"{cpu} CPU / {memory // 1024} GB", "cpu_count": cpu,
            "disk_size": disk, "memory": memory, "bandwidth_public": 150, "price_day": price_day,
            "price_month": price_month, "available": True, "custom": True, "configurable": True,
            "region": region, "group": "standard",
        },
        "status": status, "ssh_keys": [], "has_password": True, "manage_enabled": True, "description": "",
        "date_create": "2025-08-14T09:30:00Z", "ip_address": ip, "rescue_mode": False, "migrating": False,
        "host_unavailable": False, "unblocking": False, "restoring": False, "disk_used": "7516192768",
        "disk_left": "24696061952", "additional_ip_address": [], "beget_ssh_access_allowed": False,
        "archived": False, "unarchiving": False, "private_network": [], "technical_domain": "",
        "software_domain": "", "software": software or {}, "link_slug": "", "region": region,
        "ui_pinned": False, "ui_pin_changed_at": "", "project_id": "", "software_id": "", "snapshot_id": "",
        "image_id": "ubuntu-22.04", "display_rank": "0",
    }


def vps_items(extra: int = 0, seed: int = 1) -> list[dict[str, Any]]:
    items = [
        _vps("a1f3c2d4-1b2c-4d5e-8f90-000000000001", "Objective Perrin", cpu=2, memory=2048, disk=30720,
             price_day=22, price_month=660, ip="185.104.10.11",
             software={"name": "n8n", "version": "1.108.2",
                       "metadata": {"admin_email": "admin@example.com", "admin_password": "fake-n8n-secret"}}),
        _vps("a1f3c2d4-1b2c-4d5e-8f90-000000000002", "runner rus", cpu=1, memory=1024, disk=15360,
             price_day=9.73, price_month=291.9, ip="185.104.10.12"),
    ]
    rng = random.Random(seed)
    for n in range(extra):
        cpu = rng.choice([1, 2, 4, 8])
        month = cpu * rng.choice([150, 220, 330])
        items.append(_vps(f"gen-{seed}-{n:06d}", f"gen vps {n}", cpu=cpu, memory=cpu * 1024, disk=cpu * 10240,
                          price_day=round(month / 30, 2), price_month=month, ip=f"10.{n // 65536 % 256}."
                          f"{n // 256 % 256}.{n % 256}", status=rng.choice(["RUNNING", "RUNNING", "STOPPED"])))
    return items


def cloud_items() -> list[dict[str, Any]]:
    common = {"project_id": "", "ui_pinned": False, "ui_pin_changed_at": "", "status_details": "_",
              "manage_enabled": True, "unblocking": False, "migrating": False, "restoring": False,
              "display_rank": "0", "description": ""}
    mysql = {
        **common, "id": "3cf940aa-3704-499b-8b90-ef0ec941fc76", "configuration_id": "mysql-2-2048-20",
        "display_name": "Cloud database 1", "status": "RUNNING", "created_at": "2025-09-01T12:00:00Z",
        "price_day": 29, "price_month": 870, "slug": "noufekuklorheg", "region": "ru2", "type": "MYSQL5",
        "monitorable_resources": ["cpu", "memory", "disk"],
        "mysql5": {
            "configuration": {"cpu_count": 2, "disk_size": 20480, "memory": 2048, "version": "5.7.34",
                              "display_version": "5.7", "param_config": [], "param_default": {}},
            "host": "noufekuklorheg.beget.app", "port": 3306, "pma_url": "https://pma.example/",
            "disk_used": "458227712", "disk_left": "21016608768", "read_only": False, "pma_installing": False,
        },
    }
    s3 = {
        **common, "id": "f88ce2cf-8570-4ad0-bb67-824ac5308c34", "configuration_id": "s3-free",
        "display_name": "Humane Orrin", "status": "RUNNING", "created_at": "2025-09-02T12:00:00Z",
        "price_day": 0, "price_month": 0, "slug": "humane-orrin", "region": "ru2", "type": "S_3",
        "monitorable_resources": [],
        "s3": {"public": False, "access_key": "FAKEACCESSKEY", "secret_key": "fake-s3-secret-key",
               "fqdn": "s3.ru1.storage.beget.cloud", "cors": [], "quota_used_size": 1048576,
               "ftp": {"login": "s3ftp", "password": "fake-ftp-password"}, "sftp": {}},
    }
    return [mysql, s3]


class FakeBeget:
    """Speaks Beget. ``accounts`` are the logins it knows; tokens are issued by ``/v1/auth``."""

    def __init__(self, *, extra_vps: int = 0, seed: int = 1, accounts: list[Account] | None = None,
                 requests_per_minute: int | None = None, clock: Callable[[], float] = time.time):
        """``requests_per_minute``: Beget's documented limit (60 per user) enforced on the legacy API, which
        answers ``LIMIT_ERROR`` in an HTTP 200 body beyond it (None: no limit, as most tests want)."""
        self.accounts = {a.login: a for a in (accounts or [Account(DEMO_LOGIN, DEMO_PASSWORD, DEMO_PASSWORD)])}
        self.vps = vps_items(extra_vps, seed)
        self.cloud = cloud_items()
        self.tokens: dict[str, str] = {}
        self.requests_per_minute = requests_per_minute
        self.clock = clock
        self._calls: dict[str, list[float]] = {}  # login -> times of its legacy calls in the current minute

    def _over_limit(self, login: str) -> bool:
        if self.requests_per_minute is None:
            return False
        now = self.clock()
        recent = [t for t in self._calls.get(login, []) if now - t < 60]
        if len(recent) >= self.requests_per_minute:
            self._calls[login] = recent
            return True
        self._calls[login] = [*recent, now]
        return False

    # --- legacy -------------------------------------------------------------------------------
    def legacy(self, request: Request, fault: Fault | None) -> Reply:
        parts = request.path.strip("/").split("/")
        if len(parts) != 3:
            return Reply(200, _legacy_error("INCORRECT_REQUEST", "Incorrect request"))
        _api, section, method = parts
        params = {**request.query, **request.form}
        account = self.accounts.get(params.get("login", ""))
        if account is None or params.get("passwd") != account.api_password:
            return Reply(200, _legacy_error("AUTH_ERROR", "No such user or password incorrect"))
        # Documented: 60 requests a minute per user, reported as LIMIT_ERROR in a 200 body (never HTTP 429).
        if (fault is not None and fault.kind == "limit") or self._over_limit(account.login):
            return Reply(200, {"status": "success", "answer": {"status": "error", "errors": [
                {"error_code": "LIMIT_ERROR", "error_text": "Request limit exceeded"}]}})
        if (fault is not None and fault.kind == "forbid") or f"{section}/{method}" in account.forbidden_methods:
            return Reply(200, _legacy_error("AUTH_ERROR", f"Cannot access method {section}"))
        if params.get("output_format", "json") != "json":
            return Reply(200, _legacy_error("INCORRECT_REQUEST", "Only json output is supported"))
        if f"{section}/{method}" == "mail/getMailboxList":
            return self._mailbox_list(account, params)
        results = {
            "user/getAccountInfo": lambda: account_info_result(sum(map(len, account.mailboxes.values()))),
            "domain/getList": domain_list_result,
            "mysql/getList": list,
            "ftp/getList": list,
            "user/toggleSsh": list,
        }
        producer = results.get(f"{section}/{method}")
        if producer is None:
            return Reply(200, _legacy_error("NO_SUCH_METHOD", "No such method"))
        return Reply(200, _legacy_ok(producer()))

    @staticmethod
    def _mailbox_list(account: Account, params: dict[str, Any]) -> Reply:
        """As Beget documents it: ``input_data={"domain": "site.ru"}`` (JSON, url-encoded) -> a list of
        ``{mailbox, domain, spam_filter_status (0/1), forward_mail_status}``; a method error otherwise."""
        try:
            domain = str(json.loads(params.get("input_data") or "{}").get("domain") or "")
        except (ValueError, AttributeError):
            domain = ""
        known = {d["fqdn"] for d in domain_list_result()}
        if not domain or domain not in known or domain in account.mail_refused:
            return Reply(200, {"status": "success", "answer": {"status": "error", "errors": [
                {"error_code": "INVALID_DATA", "error_text": f"Domain {domain!r} is not available for mail"}]}})
        boxes = [{"mailbox": name, "domain": domain, "spam_filter_status": n % 2,
                  "forward_mail_status": "no_forward" if n % 2 else "forward"}
                 for n, name in enumerate(account.mailboxes.get(domain, []))]
        return Reply(200, _legacy_ok(boxes))

    # --- v1 -----------------------------------------------------------------------------------
    def _token_for(self, login: str) -> str:
        def b64(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        exp = int((datetime(2030, 1, 1, tzinfo=UTC)).timestamp())
        header, payload = b64({"alg": "HS256", "typ": "JWT"}), b64({"customerLogin": login, "env": "fake",
                                                                    "exp": exp})
        signature = hashlib.sha256(f"{header}.{payload}".encode()).hexdigest()[:43]
        token = f"{header}.{payload}.{signature}"
        self.tokens[token] = login
        return token

    def v1(self, request: Request, fault: Fault | None) -> Reply:
        if request.path == "/v1/auth" and request.method == "POST":
            data = request.json if isinstance(request.json, dict) else {}
            if not data.get("login"):
                return Reply(200, {"error": "EMPTY_LOGIN"})
            if not data.get("password"):
                return Reply(200, {"error": "EMPTY_PASSWORD"})
            account = self.accounts.get(data["login"])
            if account is None or account.password != data["password"]:
                return Reply(200, {"error": "INCORRECT_CREDENTIALS"})
            return Reply(200, {"token": self._token_for(account.login)})
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return Reply(401, {"code": 16, "message": "unauthenticated", "details": []})
        if fault is not None and fault.kind == "forbid":
            return Reply(403, {"code": 7, "message": "permission denied", "details": []})
        offset, limit = int(request.query.get("offset") or 0), int(request.query.get("limit") or 0) or 20
        if request.path == "/v1/vps/server/list":
            return Reply(200, {"vps": self.vps[offset:offset + limit], "total_count": len(self.vps)})
        if request.path == "/v1/cloud":
            return Reply(200, {"service": self.cloud[offset:offset + limit], "total_count": len(self.cloud)})
        for metric in ("cpu", "memory"):
            prefix = f"/v1/vps/statistic/{metric}/"
            if request.path.startswith(prefix):
                vps_id = request.path[len(prefix):]
                if not any(v["id"] == vps_id for v in self.vps):
                    return Reply(404, {"code": 5, "message": "vps not found", "details": []})
                return Reply(200, {metric: self._series(vps_id, metric)})
        return Reply(404, {"code": 5, "message": "not found", "details": []})

    def _series(self, vps_id: str, metric: str) -> dict[str, list]:
        rng = random.Random(f"{vps_id}:{metric}")
        start = datetime(2025, 10, 1, tzinfo=UTC)
        dates = [(start + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S") for h in range(24)]
        if metric == "cpu":
            values = [round(rng.uniform(2, 35), 2) for _ in dates]
        else:
            values = [round(rng.uniform(400, 1500), 1) for _ in dates]
        return {"date": dates, "value": values}

    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if request.path.startswith("/api/"):
            return self.legacy(request, fault)
        if request.path.startswith("/v1/"):
            return self.v1(request, fault)
        return None
