"""``python -m ukm_actors.bridge.testnode --config FILE``: a bridge-only test node as a process.

gevent is patched before anything else is imported: bottle creates its
request thread-local at import, and one created before patching is shared
by every greenlet (requests then read each other's headers whenever a
handler waits on I/O).
"""

from ukm_actors.runtime import patch

patch()

import sys  # noqa: E402

from ukm_actors.bridge.testing import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
