"""A durable function: the example of docs/durable.md, written with AWS's durable execution SDK
(`aws-durable-execution-sdk-python`, in the image on the 3.13 and 3.14 lines).

    make run-local HANDLER=orders.handler DURABLE_CONFIG='{"ExecutionTimeout": 900}'

Each step's result is checkpointed; the wait ends the invocation, and the next one replays the
handler from the top, taking the steps' results from their checkpoints instead of running them.
"""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def price(order_id: str) -> int:
    """Stands in for a call to a pricing service: a step runs it once per execution."""
    return sum(ord(char) for char in order_id) % 100


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    order_id = str(event.get("orderId", "unknown"))
    total = context.step(lambda _: price(order_id), name="price")
    context.wait(Duration.from_seconds(int(event.get("coolOffSeconds", 2))), name="cool-off")
    receipt = context.step(lambda _: f"charged {total} for order {order_id}", name="charge")
    return {"orderId": order_id, "total": total, "receipt": receipt}
