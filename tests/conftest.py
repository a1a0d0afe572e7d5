"""Settings for every test process and the processes they start."""

from __future__ import annotations

import os

# `supergraph serve` and `supergraph dev` open the admin listener on 127.0.0.1:8088 by
# default; tests never take a fixed port (other suites run beside them): any free one.
os.environ["SUPERGRAPH_ADMIN_LISTEN"] = "127.0.0.1:0"
