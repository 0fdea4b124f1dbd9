"""The service's errors: each exception carries the DynamoDB error code and message."""

from __future__ import annotations

from typing import Any


class DynamoDBError(Exception):
    """An error the service would return: ``code`` is its exception name (``__type``)."""

    code = "InternalServerError"
    #: HTTP status the wire endpoint answers with.
    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        #: Extra fields of the error body (for example CancellationReasons or Item).
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        """The error body as the service sends it (without the namespace prefix). An error
        the service sends without a message (a body that is not JSON) has none here either."""
        body: dict[str, Any] = {"__type": self.code}
        if self.message:
            body["message"] = self.message
        body.update(self.extra)
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


def _error(name: str, status: int = 400) -> type[DynamoDBError]:
    return type(name, (DynamoDBError,), {"code": name, "status": status})


ValidationException = _error("ValidationException")
SerializationException = _error("SerializationException")
UnknownOperationException = _error("UnknownOperationException")
ResourceNotFoundException = _error("ResourceNotFoundException")
ResourceInUseException = _error("ResourceInUseException")
ConditionalCheckFailedException = _error("ConditionalCheckFailedException")
TransactionCanceledException = _error("TransactionCanceledException")
TransactionConflictException = _error("TransactionConflictException")
TransactionInProgressException = _error("TransactionInProgressException")
IdempotentParameterMismatchException = _error("IdempotentParameterMismatchException")
LimitExceededException = _error("LimitExceededException")
ProvisionedThroughputExceededException = _error("ProvisionedThroughputExceededException")
RequestLimitExceeded = _error("RequestLimitExceeded")
ThrottlingException = _error("ThrottlingException")
ItemCollectionSizeLimitExceededException = _error("ItemCollectionSizeLimitExceededException")
TableNotFoundException = _error("TableNotFoundException")
TableAlreadyExistsException = _error("TableAlreadyExistsException")
TableInUseException = _error("TableInUseException")
BackupNotFoundException = _error("BackupNotFoundException")
BackupInUseException = _error("BackupInUseException")
ContinuousBackupsUnavailableException = _error("ContinuousBackupsUnavailableException")
PointInTimeRecoveryUnavailableException = _error("PointInTimeRecoveryUnavailableException")
InvalidRestoreTimeException = _error("InvalidRestoreTimeException")
DuplicateItemException = _error("DuplicateItemException")
GlobalTableNotFoundException = _error("GlobalTableNotFoundException")
InternalServerError = _error("InternalServerError", status=500)


class DaxError(DynamoDBError):
    """An error of the DAX API (AmazonDAXV3): its faults, answered with a bare ``__type``."""


def _dax_error(name: str) -> type[DaxError]:
    return type(name, (DaxError,), {"code": name, "status": 400})


ClusterAlreadyExistsFault = _dax_error("ClusterAlreadyExistsFault")
ClusterNotFoundFault = _dax_error("ClusterNotFoundFault")
ClusterQuotaForCustomerExceededFault = _dax_error("ClusterQuotaForCustomerExceededFault")
InvalidClusterStateFault = _dax_error("InvalidClusterStateFault")
InvalidParameterCombinationException = _dax_error("InvalidParameterCombinationException")
InvalidParameterGroupStateFault = _dax_error("InvalidParameterGroupStateFault")
InvalidParameterValueException = _dax_error("InvalidParameterValueException")
NodeNotFoundFault = _dax_error("NodeNotFoundFault")
NodeQuotaForClusterExceededFault = _dax_error("NodeQuotaForClusterExceededFault")
NodeQuotaForCustomerExceededFault = _dax_error("NodeQuotaForCustomerExceededFault")
ParameterGroupAlreadyExistsFault = _dax_error("ParameterGroupAlreadyExistsFault")
ParameterGroupNotFoundFault = _dax_error("ParameterGroupNotFoundFault")
ParameterGroupQuotaExceededFault = _dax_error("ParameterGroupQuotaExceededFault")
SubnetGroupNotFoundFault = _dax_error("SubnetGroupNotFoundFault")
TagQuotaPerResourceExceeded = _dax_error("TagQuotaPerResourceExceeded")

__all__ = [
    "DynamoDBError",
    "ValidationException",
    "SerializationException",
    "UnknownOperationException",
    "ResourceNotFoundException",
    "ResourceInUseException",
    "ConditionalCheckFailedException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "IdempotentParameterMismatchException",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "ItemCollectionSizeLimitExceededException",
    "TableNotFoundException",
    "TableAlreadyExistsException",
    "TableInUseException",
    "BackupNotFoundException",
    "BackupInUseException",
    "ContinuousBackupsUnavailableException",
    "PointInTimeRecoveryUnavailableException",
    "InvalidRestoreTimeException",
    "DuplicateItemException",
    "GlobalTableNotFoundException",
    "InternalServerError",
    "DaxError",
    "ClusterAlreadyExistsFault",
    "ClusterNotFoundFault",
    "ClusterQuotaForCustomerExceededFault",
    "InvalidClusterStateFault",
    "InvalidParameterCombinationException",
    "InvalidParameterGroupStateFault",
    "InvalidParameterValueException",
    "NodeNotFoundFault",
    "NodeQuotaForClusterExceededFault",
    "NodeQuotaForCustomerExceededFault",
    "ParameterGroupAlreadyExistsFault",
    "ParameterGroupNotFoundFault",
    "ParameterGroupQuotaExceededFault",
    "SubnetGroupNotFoundFault",
    "TagQuotaPerResourceExceeded",
]
