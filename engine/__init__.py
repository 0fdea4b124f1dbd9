"""DynaLab's in-memory DynamoDB: ``Engine().call(operation, request) -> response``."""

from engine.clock import SimClock
from engine.core import Engine
from engine.errors import DynamoDBError

__all__ = ["Engine", "DynamoDBError", "SimClock"]
