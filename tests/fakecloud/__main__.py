"""``python -m tests.fakecloud --port 8765``: serve the fake providers until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import UTC, datetime, timedelta

from .beget import DEMO_LOGIN, DEMO_PASSWORD, FakeBeget
from .cloudru import FakeCloudRu
from .selectel import DEMO_TOKEN as SELECTEL_TOKEN
from .selectel import FakeSelectel
from .server import FakeCloudServer
from .timeweb import FakeTimeweb
from .vkcloud import FakeVKCloud
from .yandex import BILLING_ACCOUNT_ID, CLOUD_ID, PROD_FOLDER_ID, FakeYandex
from .yandex import DEMO_OAUTH_TOKEN as YANDEX_OAUTH_TOKEN
from .yandex_storage import DEMO_ACCESS_KEY_ID, DEMO_BUCKET, DEMO_PREFIX, DEMO_SECRET_ACCESS_KEY, FakeYandexStorage

EXPORT_DAYS = 36  # the daily billing export files of the fake bucket: the cost window of a sync and today


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakecloud", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1, help="seed of generated resources")
    parser.add_argument("--beget-extra-vps", type=int, default=0, help="generate N more Beget VPS")
    parser.add_argument("--selectel-servers", type=int, default=3, help="Selectel cloud servers to generate")
    parser.add_argument("--yandex-extra-vms", type=int, default=0, help="generate N more Yandex Cloud VMs")
    parser.add_argument("--demo", action="store_true",
                        help="serve the demo estate of apps/demo (what seed_demo shows) from Yandex Cloud and Selectel")
    args = parser.parse_args(argv)
    if args.demo:
        from .demo import DemoSelectel, DemoYandex

        selectel, yandex = DemoSelectel(), DemoYandex()
    else:
        selectel = FakeSelectel(servers=args.selectel_servers, seed=args.seed)
        yandex = FakeYandex(extra_instances=args.yandex_extra_vms, seed=args.seed)
    server = FakeCloudServer(FakeBeget(extra_vps=args.beget_extra_vps, seed=args.seed), selectel, host=args.host,
                             port=args.port)
    server.providers.append(yandex)
    server.providers.append(FakeCloudRu(seed=args.seed))  # key: tests/fakecloud/cloudru.py DEMO_KEY_ID/SECRET
    storage = FakeYandexStorage()
    storage.create_bucket(DEMO_BUCKET)
    if not args.demo:  # the demo connection has no bucket: what the demo shows stays as seeded
        today = datetime.now(UTC).date()
        resources = [(vm["id"], "Compute Cloud", "Intel Ice Lake. 100% vCPU", "core*hour")
                     for vm in yandex.all_instances()]
        resources.append(("", "Object Storage", "Standard storage", "gbyte*day"))
        storage.seed_demo(days=[today - timedelta(days=n) for n in range(EXPORT_DAYS - 1, -1, -1)],
                          billing_account_id=BILLING_ACCOUNT_ID, cloud_id=CLOUD_ID, folder_id=PROD_FOLDER_ID,
                          resources=resources)
    server.providers.append(storage)
    server.providers.append(FakeVKCloud(seed=args.seed))  # VK Cloud: the same estate in --demo mode
    server.providers.insert(0, FakeTimeweb())  # before Beget, whose legacy API answers every /api/ path
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(f"fakecloud on {server.url}  beget: login={DEMO_LOGIN} password={DEMO_PASSWORD}", flush=True)
    where = "apps/demo/estate.py" if args.demo else "tests/fakecloud/selectel.py"
    print(f"  selectel: token={SELECTEL_TOKEN} (service user: see {where})", flush=True)
    print(f"  yandex: oauth_token={YANDEX_OAUTH_TOKEN}", flush=True)
    print(f"  yandex billing export: billing_bucket={DEMO_BUCKET} billing_prefix={DEMO_PREFIX} "
          f"s3_access_key_id={DEMO_ACCESS_KEY_ID} s3_secret_access_key={DEMO_SECRET_ACCESS_KEY}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
