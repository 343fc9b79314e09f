"""fingate.webhooks.v1.WebhookService: the raw request body in, verified, stored, answered."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.webhooks.v1 import webhook_service_pb2 as pb
from fingate.webhooks.v1 import webhook_service_pb2_grpc
from server.apps import webhooks
from server.platform.context import current_call
from server.platform.db.database import Database
from server.platform.jobs.app import JobQueue

Ctx = grpc.aio.ServicerContext[Any, Any]


class WebhookServicer(webhook_service_pb2_grpc.WebhookServiceServicer):
    def __init__(self, db: Database, jobs: JobQueue, verifier: str):
        self._db = db
        self._jobs = jobs
        self._verifier = verifier

    async def ReceiveQuickBooksEvent(
        self, request: pb.ReceiveQuickBooksEventRequest, context: Ctx
    ) -> pb.ReceiveQuickBooksEventResponse:
        # The signature covers the bytes as sent: verified before they are even parsed.
        signature = current_call().header("intuit-signature")
        webhooks.verify(request.body.data, signature, self._verifier)
        await webhooks.receive(self._db, self._jobs, webhooks.parse(request.body.data))
        return pb.ReceiveQuickBooksEventResponse(
            success=True, data=pb.WebhookReceipt(message="Webhook processed successfully")
        )
