"""DynaLab's in-memory DynamoDB: ``Engine().call(operation, request) -> response``."""

from engine.clock import SimClock
from engine.core import Engine
from engine.errors import DynamoDBError
from engine.regions import DEFAULT_REGION, REGIONS, MultiRegionEngine

__all__ = ["DEFAULT_REGION", "REGIONS", "Engine", "DynamoDBError", "MultiRegionEngine", "SimClock"]
