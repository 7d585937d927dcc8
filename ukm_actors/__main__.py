"""``python -m ukm_actors`` and the ``ukm`` console script.

gevent is patched here, before any other import, so that every library the
node uses (pykka, bottle, psycopg, urllib3, pyserial) sees cooperative
threads and sockets.
"""

from ukm_actors.runtime import patch

patch()

import sys  # noqa: E402


def main() -> int:
    """Run the ``ukm`` command line."""
    from ukm_actors.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
