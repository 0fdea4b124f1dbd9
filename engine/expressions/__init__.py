"""DynamoDB's expression language: conditions, filters, key conditions, projections, updates.

Usage, per request::

    ctx = ExpressionContext(request.get("ExpressionAttributeNames"),
                            request.get("ExpressionAttributeValues"))
    condition = compile_condition(text, ctx, "ConditionExpression")
    ...
    ctx.check_unused()
    condition.evaluate(item)

Parsing is cached by expression text; binding to a request's placeholders is per request.
Every failure is an ``engine.errors.ValidationException`` worded as the service words it.
"""

from engine.expressions.context import ExpressionContext
from engine.expressions.evaluate import (
    Condition,
    KeyCondition,
    Projection,
    compile_condition,
    compile_key_condition,
    compile_projection,
)
from engine.expressions.update import Update, compile_update

__all__ = [
    "Condition",
    "ExpressionContext",
    "KeyCondition",
    "Projection",
    "Update",
    "compile_condition",
    "compile_key_condition",
    "compile_projection",
    "compile_update",
]
