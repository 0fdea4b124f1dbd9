"""The errors a sandbox call can raise, so that no app but this one imports the engine.

A call fails with the service's own error (``ServiceError`` and its subclasses, the engine's
classes re-exported under the service's names; ``DaxError`` for DAX's faults), or with one of the sandboxes' own: the
sandbox cannot take calls any more because it was deleted or reset. Those two are
``ResourceNotFoundException`` to any client, so the wire endpoint answers them in the
service's envelope, and subclasses of their own, so a caller can tell them apart without
reading the message.
"""

from __future__ import annotations

from engine.errors import (
    BackupInUseException,
    BackupNotFoundException,
    ClusterAlreadyExistsFault,
    ClusterNotFoundFault,
    ConditionalCheckFailedException,
    ContinuousBackupsUnavailableException,
    DaxError,
    GlobalTableNotFoundException,
    IdempotentParameterMismatchException,
    InternalServerError,
    InvalidClusterStateFault,
    InvalidParameterValueException,
    InvalidRestoreTimeException,
    ItemCollectionSizeLimitExceededException,
    LimitExceededException,
    NodeNotFoundFault,
    PointInTimeRecoveryUnavailableException,
    ProvisionedThroughputExceededException,
    RequestLimitExceeded,
    ResourceInUseException,
    ResourceNotFoundException,
    SerializationException,
    TableAlreadyExistsException,
    TableInUseException,
    TableNotFoundException,
    ThrottlingException,
    TransactionCanceledException,
    TransactionConflictException,
    TransactionInProgressException,
    UnknownOperationException,
    ValidationException,
)
from engine.errors import DynamoDBError as ServiceError

DELETED_MESSAGE = "Requested resource not found: this sandbox no longer exists"
REPLACED_MESSAGE = (
    "This sandbox was reset and replaced by a new one; reload the page (or use the new "
    "access keys) to work in the new sandbox"
)


class SandboxUnavailable(ResourceNotFoundException):
    """The sandbox cannot take calls any more (see the subclasses)."""


class SandboxDeleted(SandboxUnavailable):
    """The sandbox's row is gone."""

    def __init__(self, message: str = DELETED_MESSAGE) -> None:
        super().__init__(message)


class SandboxReplaced(SandboxUnavailable):
    """The sandbox was reset: a new sandbox holds its owner's work from now on."""

    def __init__(self, message: str = REPLACED_MESSAGE) -> None:
        super().__init__(message)


CREATION_THROTTLED_MESSAGE = (
    "Too many new sandboxes were created from your network address just now: wait a minute, "
    "then reload the page"
)


class SandboxCreationThrottled(ThrottlingException):
    """A client address created sandboxes faster than ``DYNALAB_SANDBOX_CREATION_RATE``."""

    def __init__(self, message: str = CREATION_THROTTLED_MESSAGE) -> None:
        super().__init__(message)


__all__ = [
    "ServiceError",
    "SandboxCreationThrottled",
    "DaxError",
    "ClusterAlreadyExistsFault",
    "ClusterNotFoundFault",
    "InvalidClusterStateFault",
    "InvalidParameterValueException",
    "NodeNotFoundFault",
    "SandboxUnavailable",
    "SandboxDeleted",
    "SandboxReplaced",
    "BackupInUseException",
    "BackupNotFoundException",
    "ConditionalCheckFailedException",
    "ContinuousBackupsUnavailableException",
    "GlobalTableNotFoundException",
    "IdempotentParameterMismatchException",
    "InternalServerError",
    "InvalidRestoreTimeException",
    "ItemCollectionSizeLimitExceededException",
    "LimitExceededException",
    "PointInTimeRecoveryUnavailableException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "SerializationException",
    "TableAlreadyExistsException",
    "TableInUseException",
    "TableNotFoundException",
    "ThrottlingException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "UnknownOperationException",
    "ValidationException",
]
