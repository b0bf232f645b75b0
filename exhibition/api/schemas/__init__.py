"""The bodies the JSON API v1 takes and gives, defined once (pydantic models and TypedDicts).

The views validate what stations send with the request models (requests.py) and serialise their
answers by the answers' schemas (answers.py); /api/v1/openapi.json takes its schemas from both
(api/openapi.py).
"""

import functools

from pydantic import TypeAdapter

from . import answers, leads, matching, news, requests
from .fields import REF, DocumentSchema

REQUESTS = (
    requests.ScanRequest,
    requests.BatchScan,
    requests.BatchRequest,
    requests.SetupRequest,
    requests.BankNotification,
    requests.MeetingScanRequest,
    *matching.BODIES,
    *leads.BODIES,
)
ANSWERS = (
    answers.Error,
    answers.ScanAnswer,
    answers.BatchAnswer,
    answers.UndoAnswer,
    answers.DeviceInfo,
    answers.OfflineList,
    answers.SearchAnswer,
    answers.Stats,
    answers.SetupAnswer,
    answers.Ping,
    answers.WebhookAnswer,
    answers.MeetingScanAnswer,
    answers.MeetingSessions,
    *matching.ANSWERS,
    *leads.ANSWERS,
    *news.ANSWERS,
)


@functools.cache
def component_schemas() -> dict:
    """The JSON schema of every body and of the models and enums they hold, by name: requests
    as they are validated, answers as they are serialised."""
    _refs, document = TypeAdapter.json_schemas(
        [(body, "validation", TypeAdapter(body)) for body in REQUESTS]
        + [(body, "serialization", TypeAdapter(body)) for body in ANSWERS],
        ref_template=REF,
        schema_generator=DocumentSchema,
    )
    return document["$defs"]
