"""Every way a call to the sidecar fails. The callbacks raise these; Synapse logs one line and skips the
module for that call (its "Failed to run module API callback" warning), so the message is what an
operator reads: it names the sidecar and what went wrong."""


class SidecarError(Exception):
    """Base class: the sidecar gave no usable answer."""


class SidecarTimeout(SidecarError):
    """No complete answer within timeout_s."""


class SidecarUnavailable(SidecarError):
    """Refused, reset, 5xx, or every sidecar is in its backoff period (the circuit is open)."""


class MalformedAnswer(SidecarError):
    """A 200 whose body is not the documented answer. Nothing of it is used."""


class BatchRejected(SidecarError):
    """The sidecar answered 400: the batch broke the wire contract. Not the sidecar's fault, so it is
    not put in backoff."""


class InvalidBatch(SidecarError):
    """A state this package cannot put on the wire (names the state and field)."""


class SidecarIncompatible(SidecarError):
    """The sidecar does not serve this route or media type (404/405/415): a version mismatch, not an
    outage, so it is not put in backoff (its other route may still work)."""
