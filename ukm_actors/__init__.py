"""UKM actors: a retail cash system for store chains on an actor runtime.

Importing this package has no side effects: a node process patches gevent in
``ukm_actors.__main__`` before anything else is imported.
"""

__version__ = "0.1.0"
