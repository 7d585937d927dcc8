"""Each role's migrations form one line: one head, unique ids, the file named after its id.

Branches that each add a migration with the next free number collide when both
land; this names the clash at once instead of every node failing to start with
alembic's "multiple head revisions".
"""

import pytest
from alembic.script import ScriptDirectory

from ukm_actors.db.migrate import alembic_config
from ukm_actors.nodes.role import role_spec


@pytest.mark.parametrize("role", ("server", "till", "marketing"))
def test_the_migrations_of_a_role_are_one_line(role):
    location = role_spec(role).migrations
    assert location is not None
    scripts = ScriptDirectory.from_config(alembic_config(location))
    heads = scripts.get_heads()
    assert len(heads) == 1, f"{role}: several heads {sorted(heads)}; renumber the newer one"
    chain = list(scripts.walk_revisions())
    assert len({s.revision for s in chain}) == len(chain)
    for script in chain:
        name = script.path.rsplit("/", 1)[-1]
        assert name.startswith(f"{script.revision}_"), f"{role}: {name} holds {script.revision}"
