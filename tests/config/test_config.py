import pytest

from ukm_actors.config import ConfigError, load_config


def write(tmp_path, text):
    p = tmp_path / "node.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_every_role_has_working_defaults():
    for role in ("server", "till", "marketing", "integration", "pricechecker"):
        cfg = load_config(None, role=role)
        assert cfg.role == role and cfg.node_id
    assert (
        load_config(None, role="till", overrides={"till": {"store": "17", "number": 3}}).node_id
        == "till-17-3"
    )


def test_file_values_are_typed(tmp_path):
    cfg = load_config(
        write(
            tmp_path,
            '[node]\nrole = "server"\n[http]\nport = 8400\n'
            '[server]\nexport_stores = ["17", "18"]\n',
        ),
    )
    assert cfg.http.port == 8400 and cfg.server.export_stores == ["17", "18"]
    assert cfg.db.url.startswith("sqlite:///") and cfg.db.url.endswith("server.db")


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("UKM_HTTP_PORT", "9000")
    monkeypatch.setenv("UKM_SERVER_EXPORT_STORES", "1, 2")
    monkeypatch.setenv("UKM_DB_ECHO", "yes")
    cfg = load_config(write(tmp_path, "[http]\nport = 8400\n"), role="server")
    assert cfg.http.port == 9000 and cfg.server.export_stores == ["1", "2"] and cfg.db.echo is True


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('[http]\nport = "eighty"\n', ["node.toml", "[http] port", "'eighty' is not an integer"]),
        ("[http]\nport = 70000\n", ["outside 0..65535"]),
        ("[http]\nprot = 1\n", ["[http] prot", "unknown setting", "port"]),
        ("[htp]\nport = 1\n", ["[htp]", "unknown section", "http"]),
        ('[log]\nlevel = "LOUD"\n', ["[log] level", "allowed: DEBUG, INFO, WARNING, ERROR"]),
        ("[http\nport = 1\n", ["node.toml", "not valid TOML", "line 1"]),
        ('[node]\nrole = "till"\n', ["for role 'till', not 'server'"]),
    ],
)
def test_errors_name_the_file_the_key_and_what_is_allowed(tmp_path, text, fragments):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), role="server")
    for fragment in fragments:
        assert fragment in str(err.value)


def test_bad_environment_value_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("UKM_HTTP_PORT", "x")
    with pytest.raises(ConfigError, match="UKM_HTTP_PORT"):
        load_config(None, role="server")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
