"""Route Synapse's presence through presence-sandbox: presence router modules compiled to WebAssembly,
run by a sidecar under limits. Configure in homeserver.yaml:

    modules:
      - module: presence_sandbox_synapse.PresenceSandboxRouter
        config:
          url: unix:/run/presence-sandbox/sidecar.sock   # or http://127.0.0.1:8880, or a list
"""

from .errors import (
    BatchRejected,
    InvalidBatch,
    MalformedAnswer,
    SidecarError,
    SidecarIncompatible,
    SidecarTimeout,
    SidecarUnavailable,
)
from .router import PresenceSandboxRouter

__version__ = "0.1.0"

__all__ = [
    "PresenceSandboxRouter",
    "SidecarError",
    "SidecarTimeout",
    "SidecarUnavailable",
    "MalformedAnswer",
    "BatchRejected",
    "SidecarIncompatible",
    "InvalidBatch",
]
