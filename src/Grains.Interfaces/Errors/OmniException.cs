namespace OmniActors.Errors;

/// <summary>Base of every error OmniActors returns across a grain call; <see cref="Code"/> is stable and machine-readable.</summary>
[GenerateSerializer, Alias("omni.OmniException")]
public class OmniException : Exception
{
    /// <summary>Creates an error with a code.</summary>
    public OmniException(string code, string message) : base(message) => Code = code;

    /// <summary>Creates an error with a code and a cause.</summary>
    public OmniException(string code, string message, Exception? inner) : base(message, inner) => Code = code;

    /// <summary>Creates an empty error (serialization).</summary>
    public OmniException() : base("OmniActors error") => Code = ErrorCodes.Internal;

    /// <summary>Creates an error from a message.</summary>
    public OmniException(string message) : base(message) => Code = ErrorCodes.Internal;

    /// <summary>Creates an error from a message and a cause.</summary>
    public OmniException(string message, Exception? inner) : base(message, inner) => Code = ErrorCodes.Internal;

    /// <summary>Stable error code, one of <see cref="ErrorCodes"/>.</summary>
    [Id(0)] public string Code { get; private set; }
}

/// <summary>The request itself is invalid (bad field, unknown action, oversized payload).</summary>
[GenerateSerializer, Alias("omni.TaskValidationException")]
public sealed class TaskValidationException : OmniException
{
    /// <summary>Creates a validation error with a code.</summary>
    public TaskValidationException(string code, string message) : base(code, message) { }
    /// <summary>Creates an empty error (serialization).</summary>
    public TaskValidationException() : base(ErrorCodes.Validation, "Invalid request") { }
    /// <summary>Creates a validation error.</summary>
    public TaskValidationException(string message) : base(ErrorCodes.Validation, message) { }
    /// <summary>Creates a validation error with a cause.</summary>
    public TaskValidationException(string message, Exception? inner) : base(ErrorCodes.Validation, message, inner) { }
}

/// <summary>No task (or queue entry) with that id exists.</summary>
[GenerateSerializer, Alias("omni.NotFoundException")]
public sealed class NotFoundException : OmniException
{
    /// <summary>Creates a not-found error.</summary>
    public NotFoundException(string message) : base(ErrorCodes.NotFound, message) { }
    /// <summary>Creates an empty error (serialization).</summary>
    public NotFoundException() : base(ErrorCodes.NotFound, "Not found") { }
    /// <summary>Creates a not-found error with a cause.</summary>
    public NotFoundException(string message, Exception? inner) : base(ErrorCodes.NotFound, message, inner) { }
}

/// <summary>The request conflicts with the current state (illegal transition, idempotency key reused with another spec).</summary>
[GenerateSerializer, Alias("omni.ConflictException")]
public sealed class ConflictException : OmniException
{
    /// <summary>Creates a conflict with a code.</summary>
    public ConflictException(string code, string message) : base(code, message) { }
    /// <summary>Creates an empty error (serialization).</summary>
    public ConflictException() : base(ErrorCodes.Conflict, "Conflict") { }
    /// <summary>Creates a conflict.</summary>
    public ConflictException(string message) : base(ErrorCodes.Conflict, message) { }
    /// <summary>Creates a conflict with a cause.</summary>
    public ConflictException(string message, Exception? inner) : base(ErrorCodes.Conflict, message, inner) { }
}

/// <summary>The store could not be reached or refused the write; nothing was reported as stored.</summary>
[GenerateSerializer, Alias("omni.StorageUnavailableException")]
public sealed class StorageUnavailableException : OmniException
{
    /// <summary>Creates a storage error.</summary>
    public StorageUnavailableException(string message) : base(ErrorCodes.StorageUnavailable, message) { }
    /// <summary>Creates an empty error (serialization).</summary>
    public StorageUnavailableException() : base(ErrorCodes.StorageUnavailable, "Storage unavailable") { }
    /// <summary>Creates a storage error with the driver's cause (its message only: driver types do not cross the wire).</summary>
    public StorageUnavailableException(string message, Exception? inner) : base(ErrorCodes.StorageUnavailable, message, inner) { }
}

/// <summary>Stable codes carried by <see cref="OmniException.Code"/> and by problem details' <c>code</c>.</summary>
public static class ErrorCodes
{
    /// <summary>Generic validation failure.</summary>
    public const string Validation = "validation_failed";
    /// <summary>The action is not registered on the cluster.</summary>
    public const string UnknownAction = "unknown_action";
    /// <summary>The payload is not valid JSON.</summary>
    public const string MalformedPayload = "malformed_payload";
    /// <summary>The payload exceeds the configured limit.</summary>
    public const string PayloadTooLarge = "payload_too_large";
    /// <summary>Not found.</summary>
    public const string NotFound = "not_found";
    /// <summary>Generic conflict.</summary>
    public const string Conflict = "conflict";
    /// <summary>The idempotency key was used before with a different request.</summary>
    public const string IdempotencyConflict = "idempotency_conflict";
    /// <summary>The task's state does not allow the operation.</summary>
    public const string InvalidTransition = "invalid_transition";
    /// <summary>Storage could not be reached.</summary>
    public const string StorageUnavailable = "storage_unavailable";
    /// <summary>A silo failed or the cluster did not answer in time; retrying (with an idempotency key) is safe.</summary>
    public const string ClusterUnavailable = "cluster_unavailable";
    /// <summary>Anything else.</summary>
    public const string Internal = "internal_error";
    /// <summary>A task names a dependency that does not exist.</summary>
    public const string DependencyNotFound = "dependency_not_found";
    /// <summary>A workflow's edges form a cycle (the message names it).</summary>
    public const string WorkflowCycle = "workflow_cycle";
    /// <summary>An approval decision on a task that is not awaiting approval.</summary>
    public const string NotAwaitingApproval = "not_awaiting_approval";
}
