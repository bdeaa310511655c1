"""Handlers that use Powertools for AWS Lambda (Python) as its users do, for the differential
test (tests/runtime/differential/test_powertools.py), which runs each on our runtime and on awslambdaric.

Configured by the environment, as a SAM template would: POWERTOOLS_SERVICE_NAME (payment),
POWERTOOLS_METRICS_NAMESPACE (Shop), the X-Ray daemon address, the log level and format.
"""

import logging


def _root_handlers():
    """What Powertools sees of the runtime's root handler(s): their filters, and the levels."""
    return {
        "root_level": logging.getLevelName(logging.getLogger().level),
        "handlers": [{"level": handler.level,
                      "filters": [[type(f).__name__, getattr(f, "logger", None)] for f in handler.filters]}
                     for handler in logging.getLogger().handlers],
    }


# Taken before anything else of the function's is imported: Logger adds its filter to the
# root handlers that exist when it is created, so the runtime's must already be there.
ROOT_AT_IMPORT = _root_handlers()

import json  # noqa: E402  (after the snapshot above, on purpose)
import os  # noqa: E402

from aws_lambda_powertools import Logger, Metrics, Tracer  # noqa: E402
from aws_lambda_powertools.event_handler import (  # noqa: E402
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError  # noqa: E402
from aws_lambda_powertools.logging import correlation_paths  # noqa: E402
from aws_lambda_powertools.metrics import MetricUnit  # noqa: E402
from aws_lambda_powertools.utilities.batch import (  # noqa: E402
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes import (  # noqa: E402
    EventBridgeEvent,
    S3Event,
    SQSEvent,
    event_source,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord  # noqa: E402

logger = Logger()  # service from POWERTOOLS_SERVICE_NAME
metrics = Metrics()  # namespace from POWERTOOLS_METRICS_NAMESPACE
tracer = Tracer()
ROOT_AFTER_LOGGER = _root_handlers()
library_log = logging.getLogger("shop.library")  # a third-party library's logger: the runtime's handler
child_log = Logger(child=True)  # payment.powertools_cases, as a module of the function would


# --- API Gateway REST API (v1 payload) -----------------------------------------------------

rest = APIGatewayRestResolver()


@tracer.capture_method
def find_order(order_id: str) -> dict:
    if order_id == "missing":
        raise NotFoundError(f"order {order_id} does not exist")
    return {"id": order_id, "total": 42.5, "items": ["é", "ü"]}


@rest.get("/orders/<order_id>")
def get_order(order_id: str):
    logger.append_keys(order_id=order_id)
    verbose = rest.current_event.get_query_string_value("verbose", "0")
    logger.info("order looked up", extra={"verbose": verbose})
    metrics.add_metric(name="OrderLookups", unit=MetricUnit.Count, value=1)
    return {"order": find_order(order_id), "verbose": verbose == "1"}


@rest.post("/orders")
def create_order():
    body = rest.current_event.json_body
    if "sku" not in body:
        raise BadRequestError("sku is required")
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=body.get("quantity", 1))
    metrics.add_metadata(key="sku", value=body["sku"])
    logger.info({"created": body["sku"], "quantity": body.get("quantity", 1)})
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps({"sku": body["sku"]}), headers={"Location": "/orders/1"})


@rest.get("/boom")
def boom():
    metrics.add_metric(name="Booms", unit=MetricUnit.Count, value=1)
    raise RuntimeError("the order store is down")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def rest_handler(event, context):
    return rest.resolve(event, context)


# --- API Gateway HTTP API (v2 payload) -----------------------------------------------------

http = APIGatewayHttpResolver()


class OutOfStock(Exception):
    pass


@http.exception_handler(OutOfStock)
def out_of_stock(exc: OutOfStock):
    logger.warning("out of stock", extra={"sku": str(exc)})
    return Response(status_code=409, content_type=content_types.TEXT_PLAIN, body=f"out of stock: {exc}")


@http.get("/hello/<name>")
def hello(name: str):
    child_log.info("greeting", extra={"who": name})
    return {"message": f"hello {name}", "path": http.current_event.path}


@http.post("/stock/<sku>")
def reserve(sku: str):
    raise OutOfStock(sku)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def http_handler(event, context):
    metrics.add_metric(name="HttpRequests", unit=MetricUnit.Count, value=1)
    try:
        return http.resolve(event, context)
    finally:
        metrics.flush_metrics()


# --- SQS batch with partial failures ---------------------------------------------------------

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord):
    payload = record.json_body
    if payload.get("fail"):
        raise ValueError(f"cannot ship {payload['sku']}")
    logger.info("shipped", extra={"message_id": record.message_id, "sku": payload["sku"]})
    metrics.add_metric(name="Shipped", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def batch_handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)


# --- event source data classes ---------------------------------------------------------------

@event_source(data_class=S3Event)
def s3_handler(event: S3Event, context):
    logger.info("objects", extra={"bucket": event.bucket_name})
    return {"bucket": event.bucket_name, "first_key": event.object_key,
            "objects": [[r.s3.get_object.key, r.s3.get_object.size, r.event_name, r.event_time]
                        for r in event.records]}


@event_source(data_class=EventBridgeEvent)
def eventbridge_handler(event: EventBridgeEvent, context):
    return {"source": event.source, "type": event.detail_type, "detail": event.detail,
            "resources": event.resources, "region": event.region}


@event_source(data_class=SQSEvent)
def sqs_handler(event: SQSEvent, context):
    return [{"id": r.message_id, "body": r.json_body, "attributes": r.message_attributes["kind"].string_value,
             "queue": r.queue_url, "receive_count": r.attributes.approximate_receive_count} for r in event.records]


# --- Logger on its own: keys, correlation id, exceptions, and the runtime's root handler -----

@logger.inject_lambda_context(log_event=True, clear_state=True)
def logs(event, context):
    logger.set_correlation_id(event.get("correlation_id"))
    logger.append_keys(customer=event.get("customer"))
    logger.debug("debug detail")
    logger.info("charging", extra={"amount": 12.5})
    library_log.warning("library warning %s", 7)  # through the runtime's root handler
    print("a plain print")
    try:
        {}["card"]
    except KeyError:
        logger.exception("charge failed")
    if event.get("raise"):
        raise ValueError("unhandled in the handler")
    return {"correlation_id": logger.get_correlation_id(), "trace_env": os.environ.get("_X_AMZN_TRACE_ID")}


def environment(event, context):
    """What Powertools relies on from the runtime, as the function sees it."""
    return {
        "root_at_import": ROOT_AT_IMPORT,
        "root_after_logger": ROOT_AFTER_LOGGER,
        "logger_level": logging.getLevelName(logger.log_level),
        "trace_env": os.environ.get("_X_AMZN_TRACE_ID"),
    }


@logger.inject_lambda_context
def levels(event, context):
    """One line at each level, through Logger and through the root handler."""
    for level in ("debug", "info", "warning", "error"):
        getattr(logger, level)(f"powertools {level}")
        getattr(library_log, level)(f"library {level}")
    return {"logger_level": logging.getLevelName(logger.log_level),
            "root_level": logging.getLevelName(logging.getLogger().level)}


def zone(event, context):
    """Powertools' metadata utility (3.37): the environment's availability zone id, or why not."""
    from aws_lambda_powertools.utilities.metadata import get_lambda_metadata
    from aws_lambda_powertools.utilities.metadata.exceptions import LambdaMetadataError

    try:
        return {"availability_zone_id": get_lambda_metadata().availability_zone_id}
    except LambdaMetadataError as error:
        return {"error": str(error)}
