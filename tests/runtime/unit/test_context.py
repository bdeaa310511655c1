"""LambdaContext: awslambdaric's attributes, types and methods."""

import time

import pytest
from lambda_runtime.api_protocol import Invocation
from lambda_runtime.config import Config
from lambda_runtime.context import LambdaContext
from lambda_runtime.errors import FaultError

ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "fn", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/23/[$LATEST]abc",
}


def invocation(**overrides):
    fields = dict(request_id="req-1", deadline_ms=int(time.time() * 1000) + 10_000,
                  invoked_function_arn="arn:aws:lambda:us-east-1:1:function:fn", trace_id=None,
                  client_context=None, cognito_identity=None, tenant_id=None, invocation_id=None,
                  content_type="application/json", body=b"{}")
    fields.update(overrides)
    return Invocation(**fields)


def test_attributes_and_types_match_awslambdaric():
    ctx = LambdaContext(invocation(), Config(ENV))
    assert (ctx.aws_request_id, ctx.function_name, ctx.function_version) == ("req-1", "fn", "$LATEST")
    assert ctx.memory_limit_in_mb == "512"  # a string, as in awslambdaric
    assert (ctx.log_group_name, ctx.log_stream_name) == ("/aws/lambda/fn", "2026/11/23/[$LATEST]abc")
    assert ctx.invoked_function_arn == "arn:aws:lambda:us-east-1:1:function:fn"
    assert ctx.client_context is None and ctx.tenant_id is None
    assert ctx.identity is not None  # never None
    assert (ctx.identity.cognito_identity_id, ctx.identity.cognito_identity_pool_id) == (None, None)
    assert 9_000 < ctx.get_remaining_time_in_millis() <= 10_000


def test_remaining_time_never_goes_negative():
    ctx = LambdaContext(invocation(deadline_ms=1), Config({}))
    assert ctx.get_remaining_time_in_millis() == 0


def test_client_context_becomes_objects_and_w3c_is_split_off():
    cc = ('{"custom": {"k": "v"}, "env": {"platform": "ios"}, "client": {"app_title": "t"},'
          ' "w3c": {"traceparent": "00-ab", "tracestate": 5}}')
    ctx = LambdaContext(invocation(client_context=cc), Config({}))
    assert ctx.client_context.custom == {"k": "v"} and ctx.client_context.env == {"platform": "ios"}
    assert ctx.client_context.client.app_title == "t" and ctx.client_context.client.installation_id is None
    assert ctx.w3c() == {"traceparent": "00-ab"}
    assert not hasattr(ctx.client_context, "w3c")


def test_cognito_identity_is_read():
    ctx = LambdaContext(invocation(cognito_identity='{"cognitoIdentityId": "i", "cognitoIdentityPoolId": "p"}'),
                        Config({}))
    assert (ctx.identity.cognito_identity_id, ctx.identity.cognito_identity_pool_id) == ("i", "p")


def test_malformed_client_context_is_a_context_unmarshal_error():
    with pytest.raises(FaultError) as err:
        LambdaContext(invocation(client_context="{nope"), Config({}))
    assert err.value.error_type == "Runtime.LambdaContextUnmarshalError"
    assert err.value.message.startswith("Unable to parse Client Context JSON: ")


def test_repr_names_every_field():
    text = repr(LambdaContext(invocation(tenant_id="t"), Config(ENV)))
    assert text.startswith("LambdaContext([aws_request_id=req-1,log_group_name=/aws/lambda/fn,")
    assert text.endswith("identity=CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None]),"
                         "tenant_id=t])")
