"""X's batch compliance (app bearer token): a job per kind of id, the ids uploaded to its signed URL,
its status polled, and its results read line by line from its download URL.

`POST /2/compliance/jobs` and `GET /2/compliance/jobs/:id` go through tweepy (retried like every other
X call); the upload (`PUT`, text/plain, one id a line) and the download (one JSON object a line:
`id`, `action`, `created_at`, `reason`) go to the job's pre-signed URLs, with no bearer token.
Compliance jobs are not billed per post, unlike reading the posts back one by one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from bot.sources.x_api import XSource, XUnavailable

TERMINAL = frozenset({"complete", "failed", "expired"})
TIMEOUT = (10, 120)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ComplianceJob:
    """A compliance job as X describes it."""

    id: str
    type: str
    status: str
    upload_url: str
    download_url: str


@dataclass(frozen=True, slots=True)
class ComplianceResult:
    """One id X reports: `action` (`delete`, `scrub_geo`) and `reason` (`deleted`, `suspended`, …)."""

    id: int
    action: str
    reason: str


class ComplianceSource(XSource):
    """The X source, plus batch compliance."""

    def create_job(self, kind: str, name: str) -> ComplianceJob:
        """A new job for `kind` (`tweets` or `users`)."""
        return _job(self._call(self.client.create_compliance_job, type=kind, name=name))

    def job(self, job_id: str) -> ComplianceJob:
        """The job's current state."""
        return _job(self._call(self.client.get_compliance_job, id=job_id))

    def upload_ids(self, job: ComplianceJob, ids: Sequence[int]) -> None:
        """PUT the ids, one a line, to the job's upload URL."""
        body = "\n".join(str(i) for i in ids).encode()
        try:
            answer = requests.put(
                job.upload_url, data=body, headers={"Content-Type": "text/plain"}, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise XUnavailable(f"compliance upload failed: {type(exc).__name__}") from None
        if answer.status_code >= 300:
            raise XUnavailable(f"compliance upload refused: HTTP {answer.status_code}")

    def results(self, job: ComplianceJob) -> Iterator[ComplianceResult]:
        """The job's results, streamed line by line; a line that is not a result is counted and skipped."""
        try:
            with requests.get(job.download_url, stream=True, timeout=TIMEOUT) as answer:
                if answer.status_code >= 300:
                    raise XUnavailable(f"compliance download refused: HTTP {answer.status_code}")
                skipped = 0
                for line in answer.iter_lines():
                    if not line.strip():
                        continue
                    result = _result(line)
                    if result is None:
                        skipped += 1
                    else:
                        yield result
        except requests.RequestException as exc:
            raise XUnavailable(f"compliance download failed: {type(exc).__name__}") from None
        if skipped:
            log.warning("compliance lines skipped", extra={"fields": {"skipped": skipped}})


def _job(body: dict[str, Any]) -> ComplianceJob:
    data = body.get("data") or {}
    try:
        return ComplianceJob(
            id=str(data["id"]),
            type=str(data.get("type", "")),
            status=str(data["status"]),
            upload_url=str(data.get("upload_url", "")),
            download_url=str(data.get("download_url", "")),
        )
    except KeyError:
        raise XUnavailable("X answered a compliance job without an id or status") from None


def _result(line: bytes) -> ComplianceResult | None:
    try:
        item = json.loads(line)
        return ComplianceResult(int(item["id"]), str(item["action"]), str(item.get("reason", "")))
    except (ValueError, TypeError, KeyError):
        return None
