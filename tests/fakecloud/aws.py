"""AWS for tests: a moto server (moto speaks the real AWS wire protocols) behind a fault-injecting front.

AWS query/JSON APIs all answer at ``POST /``, so the shared path-prefix faults cannot tell calls apart.
``AwsFakeServer`` therefore matches faults against ``/<service>/<Action>`` (``/ec2/DescribeVolumes``,
``/sts/GetCallerIdentity``, ``/ce/GetCostAndUsage``), taken from the SigV4 credential scope and the
``Action`` form field or ``X-Amz-Target`` header, and answers injected faults in each service's own
documented error shape (EC2 ``<Response><Errors>``, STS ``<ErrorResponse>``, Cost Explorer ``__type``
JSON). Everything else is forwarded to moto unchanged.

``seed_account(url, seed=1, instances=N)`` fills moto with a deterministic estate (instances across
regions, an unattached volume, an idle and an attached Elastic IP, Cost Explorer daily costs by
service) through moto's own APIs.
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import boto3
import requests
from moto.server import ThreadedMotoServer

from .server import FakeCloudServer, Reply, Request

ACCOUNT_ID = "123456789012"  # moto's default account
TEST_KEY_ID = "AKIAFAKEINFRAZEN0001"
TEST_SECRET = "fake-secret-access-key-for-tests"
REGIONS = ("eu-central-1", "us-east-1")
SERVICES = ("Amazon Elastic Compute Cloud - Compute", "EC2 - Other", "Amazon Simple Storage Service",
            "AWS Cost Explorer")

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")

# status -> documented error code per service
_ERROR_CODES = {
    "ec2": {401: "AuthFailure", 403: "UnauthorizedOperation", 429: "RequestLimitExceeded", 500: "InternalError",
            503: "Unavailable"},
    "sts": {401: "InvalidClientTokenId", 403: "AccessDenied", 429: "Throttling", 500: "InternalFailure",
            503: "ServiceUnavailable"},
    "ce": {401: "UnrecognizedClientException", 403: "AccessDeniedException", 429: "LimitExceededException",
           500: "InternalServerException", 503: "ServiceUnavailableException"},
}


def start_moto() -> tuple[ThreadedMotoServer, str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def reset_moto(url: str) -> None:
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()


def set_auth(url: str, *, free_calls: float | str) -> None:
    """moto enforces IAM credentials and policies after ``free_calls`` requests ("inf" = never)."""
    requests.post(f"{url}/moto-api/reset-auth", data=str(free_calls).encode(), timeout=10).raise_for_status()


def aws_client(url: str, service: str, region: str = "us-east-1", *, key: str = TEST_KEY_ID,
               secret: str = TEST_SECRET):
    return boto3.client(service, region_name=region, endpoint_url=url, aws_access_key_id=key,
                        aws_secret_access_key=secret)


def error_reply(service: str, status: int, *, code: str | None = None, retry_after: float | None = None) -> Reply:
    code = code or _ERROR_CODES.get(service, {}).get(status) or ("InternalFailure" if status >= 500 else "Error")
    message = f"Injected {code}"
    request_id = str(uuid.UUID(int=status))
    headers = {"x-amzn-RequestId": request_id}
    if retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    if service == "ce":
        return Reply(status, {"__type": code, "Message": message}, headers)
    if service == "ec2":
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
    else:
        body = (f'<ErrorResponse xmlns="https://{service}.amazonaws.com/doc/"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>")
    return Reply(status, raw=body.encode(), headers=headers)


def operation_path(request: Request) -> tuple[str, str]:
    """``("ec2", "/ec2/DescribeVolumes")`` for a signed AWS request."""
    match = _SCOPE.search(request.headers.get("authorization", ""))
    service = match.group(2) if match else "unknown"
    target = request.headers.get("x-amz-target", "")
    action = request.form.get("Action") or (target.rsplit(".", 1)[-1] if target else "")
    return service, f"/{service}/{action}"


class MotoForwarder:
    """The provider object of ``AwsFakeServer``: forwards a request to moto, or answers a ``forbid`` fault."""

    def __init__(self, moto_url: str):
        self.moto_url = moto_url
        self.http = requests.Session()
        self.http.trust_env = False

    def handle(self, request: Request, fault) -> Reply | None:
        service, _path = operation_path(request)
        if fault is not None and fault.kind == "forbid":
            return error_reply(service, 403)
        if request.form:
            body: bytes = urlencode(request.form).encode()
        elif request.json is not None:
            body = json.dumps(request.json).encode()
        else:
            body = b""
        headers = {k: v for k, v in request.headers.items() if k not in {"host", "content-length", "connection"}}
        path = request.headers.get("x-original-path", "/")
        answer = self.http.request(request.method, f"{self.moto_url}{path}", data=body, headers=headers,
                                   params=request.query, timeout=30)
        return Reply(answer.status_code, raw=answer.content)


class AwsFakeServer(FakeCloudServer):
    """FakeCloudServer whose faults match ``/<service>/<Action>`` and answer in AWS error shapes."""

    def __init__(self, moto_url: str, **kwargs: Any):
        super().__init__(MotoForwarder(moto_url), **kwargs)

    def dispatch(self, request: Request) -> Reply:
        if request.path.startswith("/_fake/"):
            return super().dispatch(request)
        service, op_path = operation_path(request)
        request = replace(request, path=op_path,
                          headers={**request.headers, "x-original-path": request.path})
        with self._lock:
            self.calls.append((request.method, op_path))
        fault = self._take_fault(op_path)
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                fault = None
            elif fault.kind == "malformed":
                return Reply(200, raw=b'<?xml version="1.0"?><DescribeResponse><reservationSet><item>'
                             if service != "ce" else b'{"ResultsByTime": [{"TimePeriod": ')
            elif fault.kind == "status":
                return error_reply(service, fault.status, retry_after=fault.retry_after)
        for provider in self.providers:
            reply = provider.handle(request, fault)
            if reply is not None:
                return reply
        return Reply(404, {"error": "not found"})


# --- a deterministic estate ---------------------------------------------------------------------
def cost_results(*, start: date, days: int, seed: int = 1, services: tuple[str, ...] = SERVICES) -> dict[str, Any]:
    """A DAILY GetCostAndUsage answer grouped by SERVICE, amounts as strings like AWS sends them."""
    rng = random.Random(seed)
    results = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        groups = [{
            "Keys": [service],
            "Metrics": {"UnblendedCost": {"Amount": str(Decimal(rng.randint(1, 500000)) / Decimal(10000)),
                                          "Unit": "USD"}},
        } for service in services]
        results.append({"TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
                        "Total": {}, "Groups": groups, "Estimated": offset == days - 1})
    return {"GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}], "ResultsByTime": results,
            "DimensionValueAttributes": []}


def queue_cost_results(url: str, *results: dict[str, Any]) -> None:
    """Cost Explorer answers moto hands out, one per distinct request (moto's documented test API)."""
    response = requests.post(f"{url}/moto-api/static/ce/cost-and-usage-results",
                             json={"results": list(results)}, timeout=10)
    response.raise_for_status()


def seed_account(url: str, *, seed: int = 1, instances: int = 3, regions: tuple[str, ...] = REGIONS) -> dict:
    """Instances spread over ``regions`` (one stopped), an unattached volume and an idle + an attached EIP
    in the first region. Returns the ids for assertions."""
    rng = random.Random(seed)
    created: dict[str, Any] = {"instances": [], "volumes": [], "addresses": []}
    types = ("t3.micro", "t3.small", "m5.large")
    for index in range(instances):
        region = regions[index % len(regions)]
        ec2 = aws_client(url, "ec2", region)
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        answer = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType=types[rng.randrange(len(types))],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": "Name", "Value": f"app-{index + 1}"}, {"Key": "env", "Value": rng.choice(["prod", "dev"])}]}])
        instance_id = answer["Instances"][0]["InstanceId"]
        created["instances"].append((region, instance_id))
    ec2 = aws_client(url, "ec2", regions[0])
    if created["instances"]:
        ec2.stop_instances(InstanceIds=[created["instances"][0][1]])
    volume = ec2.create_volume(Size=50, AvailabilityZone=f"{regions[0]}a", VolumeType="gp3",
                               TagSpecifications=[{"ResourceType": "volume",
                                                   "Tags": [{"Key": "Name", "Value": "orphan-data"}]}])
    created["volumes"].append(volume["VolumeId"])
    idle = ec2.allocate_address(Domain="vpc")
    created["addresses"].append(idle["AllocationId"])
    if created["instances"]:
        attached = ec2.allocate_address(Domain="vpc")
        ec2.associate_address(AllocationId=attached["AllocationId"], InstanceId=created["instances"][0][1])
        created["addresses"].append(attached["AllocationId"])
    created["idle_address"] = idle["AllocationId"]
    return created
