"""X's batch compliance on the fake X: jobs, and their upload and download URLs on the fake itself.

    fake.compliance.outcomes.append("failed")   # the next job fails ("expired" likewise)
    fake.compliance.polls_before_done = 2       # GETs answering in_progress once the ids are up

Results follow the fake's state: a tweets job reports each uploaded post deleted (`delete_post`) or
whose author is suspended, protected or deactivated (`suspend`, `protect`, `delete_user`); a users job
reports those accounts. `extra` adds any other line, e.g. a `scrub_geo`. Uploads must be text/plain,
one id a line, like the real signed URL expects; the download answers one JSON object a line.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.loopback import LoopbackHandler
    from tests.fakes.x_server import FakeX, RecordedRequest

JOBS_PATH = "/2/compliance/jobs"
UPLOAD_PATH = "/compliance-upload/"
DOWNLOAD_PATH = "/compliance-download/"
STAMP = "2026-11-18T12:00:00.000Z"


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Job:
    """One compliance job as the fake keeps it; `ids` once uploaded (what the client sent)."""

    id: str
    type: str
    name: str | None
    outcome: str
    ids: list[str] | None = None
    upload_content_type: str | None = None
    polls: int = 0
    downloads: int = 0

    def status(self, polls_before_done: int) -> str:
        if self.ids is None:
            return "created"
        return "in_progress" if self.polls <= polls_before_done else self.outcome


class ComplianceJobs:
    """The compliance endpoints of one FakeX; its lock guards everything here."""

    def __init__(self, fake: FakeX) -> None:
        self._fake = fake
        self.jobs: list[Job] = []
        self.outcomes: deque[str] = deque()  # of the next jobs created; "complete" when empty
        self.polls_before_done = 0
        self.extra: list[dict[str, str]] = []

    def owns(self, path: str) -> bool:
        """Whether this path is a compliance endpoint or URL."""
        return path.startswith((JOBS_PATH, UPLOAD_PATH, DOWNLOAD_PATH))

    def handle(self, handler: LoopbackHandler, record: RecordedRequest) -> None:
        """Answer one request (its record already kept by the fake)."""
        raw = handler.read_body()
        content_type = handler.headers.get("Content-Type", "")
        with self._fake._lock:
            fault = self._fake._take_fault(record.path)
            if fault is not None and fault.status is not None:
                reply = _Reply(fault.status, fault.body or {"title": "injected", "status": fault.status})
            else:
                reply = self._reply(record, raw, content_type)
            record.status = reply.status
        handler.send(reply)

    def _reply(self, record: RecordedRequest, raw: bytes, content_type: str) -> _Reply:
        path, method = record.path, record.method
        if path.startswith(UPLOAD_PATH) and method == "PUT":
            return self._upload(path.removeprefix(UPLOAD_PATH), raw, content_type)
        if path.startswith(DOWNLOAD_PATH) and method == "GET":
            return self._download(path.removeprefix(DOWNLOAD_PATH))
        if record.authorization != f"Bearer {self._fake.bearer}":
            return _Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401})
        if path == JOBS_PATH and method == "POST":
            return self._create(raw)
        job = self._job(path.removeprefix(JOBS_PATH + "/"))
        if method == "GET" and job is not None:
            job.polls += job.ids is not None
            return _Reply(200, {"data": self._json(job)})
        return _Reply(404, {"title": "Not Found Error", "type": "about:blank", "status": 404})

    def _create(self, raw: bytes) -> _Reply:
        try:
            body = json.loads(raw)
            kind = body["type"]
        except (ValueError, KeyError, TypeError):
            kind = None
        if kind not in ("tweets", "users"):
            detail = "The `type` field must be one of [tweets, users]"
            return _Reply(
                400, {"errors": [{"message": detail}], "title": "Invalid Request", "detail": detail}
            )
        outcome = self.outcomes.popleft() if self.outcomes else "complete"
        job = Job(str(1_400_000_000_000_000_000 + len(self.jobs)), kind, body.get("name"), outcome)
        self.jobs.append(job)
        return _Reply(200, {"data": self._json(job)})

    def _upload(self, job_id: str, raw: bytes, content_type: str) -> _Reply:
        job = self._job(job_id)
        if job is None or job.ids is not None:
            return _Reply(403, "<Error><Code>AccessDenied</Code></Error>", content_type="application/xml")
        job.upload_content_type = content_type
        if not content_type.startswith("text/plain"):
            return _Reply(400, "<Error><Code>BadContentType</Code></Error>", content_type="application/xml")
        job.ids = [line.strip() for line in raw.decode().splitlines() if line.strip()]
        return _Reply(200, "", content_type="text/plain")

    def _download(self, job_id: str) -> _Reply:
        job = self._job(job_id)
        if job is None or job.status(self.polls_before_done) != "complete":
            return _Reply(404, "<Error><Code>NoSuchKey</Code></Error>", content_type="application/xml")
        job.downloads += 1
        lines = [json.dumps(item) for item in self._results(job)]
        return _Reply(200, "".join(line + "\n" for line in lines), content_type="text/plain")

    def _results(self, job: Job) -> list[dict[str, str]]:
        """What X would report about the uploaded ids, from the fake's state."""
        uploaded = set(job.ids or [])
        found = []
        for raw_id in sorted(uploaded, key=int):
            reason = (
                self._post_reason(int(raw_id)) if job.type == "tweets" else self._user_reason(int(raw_id))
            )
            if reason:
                found.append({"id": raw_id, "action": "delete", "created_at": STAMP, "reason": reason})
        found += [item for item in self.extra if item["id"] in uploaded]
        return found

    def _post_reason(self, post_id: int) -> str | None:
        post = self._fake._posts.get(post_id)
        if post is None:
            return None
        return "deleted" if post.deleted else self._user_reason(post.author_id)

    def _user_reason(self, user_id: int) -> str | None:
        user = self._fake._users.get(user_id)
        if user is None:
            return None
        if user.deleted:
            return "deactivated"
        return "suspended" if user.suspended else "protected" if user.protected else None

    def _job(self, job_id: str) -> Job | None:
        return next((job for job in self.jobs if job.id == job_id), None)

    def _json(self, job: Job) -> dict[str, Any]:
        base = self._fake.url
        return {
            "id": job.id,
            "type": job.type,
            **({"name": job.name} if job.name else {}),
            "resumable": False,
            "upload_url": f"{base}{UPLOAD_PATH}{job.id}",
            "upload_expires_at": STAMP,
            "download_url": f"{base}{DOWNLOAD_PATH}{job.id}",
            "download_expires_at": STAMP,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "status": job.status(self.polls_before_done),
        }
