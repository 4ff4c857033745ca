"""``python -m tests.fakecloud --port 8765``: serve the fake providers until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys

from .beget import DEMO_LOGIN, DEMO_PASSWORD, FakeBeget
from .selectel import DEMO_TOKEN as SELECTEL_TOKEN
from .selectel import FakeSelectel
from .server import FakeCloudServer
from .timeweb import FakeTimeweb
from .yandex import DEMO_OAUTH_TOKEN as YANDEX_OAUTH_TOKEN
from .yandex import FakeYandex


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
    server.providers.insert(0, FakeTimeweb())  # before Beget, whose legacy API answers every /api/ path
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(f"fakecloud on {server.url}  beget: login={DEMO_LOGIN} password={DEMO_PASSWORD}", flush=True)
    where = "apps/demo/estate.py" if args.demo else "tests/fakecloud/selectel.py"
    print(f"  selectel: token={SELECTEL_TOKEN} (service user: see {where})", flush=True)
    print(f"  yandex: oauth_token={YANDEX_OAUTH_TOKEN}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
