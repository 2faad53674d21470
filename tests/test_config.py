"""Config errors name the key path and say how to fix it, all problems at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_config

from digest.config import load_config, parse_config
from digest.errors import ConfigError


def problems(tmp_path: Path, raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, base_dir=tmp_path)
    return info.value.problems


def folder(path: str = "articles", **extra) -> dict:
    return {"name": "Local", "type": "folder", "path": path, **extra}


def test_valid_config_resolves_paths_relative_to_the_config_file(config_path: Path, tmp_path):
    config = load_config(config_path)
    assert config.sources[0].path == tmp_path / "articles"
    assert config.state == tmp_path / "state" / "state.db"
    assert config.output.dir == tmp_path / "digests"
    assert config.tz.key == "Europe/London"


def test_defaults_fill_what_the_user_left_out(tmp_path):
    (tmp_path / "articles").mkdir()
    config = parse_config({"sources": [folder()]}, base_dir=tmp_path)
    assert config.title == "Morning Brief"
    assert config.summary.method == "default" and config.summary.sentences == 3
    assert config.output.formats == ("html", "txt", "json")
    assert config.output.dir == tmp_path / "digests"
    assert config.email.enabled is False


def test_missing_folder_names_key_path_and_folder(tmp_path):
    assert problems(tmp_path, {"sources": [folder("seeds2")]}) == [
        f"sources[0].path: folder 'seeds2' does not exist (looked for {tmp_path / 'seeds2'})"
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    (tmp_path / "articles").mkdir()
    found = problems(
        tmp_path,
        {
            "titel": "x",
            "timezone": "Mars/Olympus",
            "schedule": {"digest": "0 7 * *"},
            "sources": [folder(), {"name": "Feed", "type": "rss", "url": "https://e.org/rss"}],
            "summary": {"method": "magic", "sentences": 0},
        },
    )
    assert found == [
        "timezone: unknown time zone 'Mars/Olympus'; use an IANA name like Europe/London",
        "schedule.digest: cron expression '0 7 * *' has 4 fields; "
        "use 5 (minute hour day month weekday) or 6 with seconds first",
        "sources[1]: unknown source type 'rss'; use folder, feed or page",
        "summary.method: Input should be 'default', 'lead', 'lexrank', 'textrank', 'lsa', "
        "'luhn', 'edmundson', 'kl', 'sumbasic' or 'reduction'",
        "summary.sentences: Input should be greater than or equal to 1",
        "titel: unknown key; did you mean 'title'?",
    ]


def test_nested_unknown_key_suggests_the_right_one(tmp_path):
    (tmp_path / "articles").mkdir()
    assert problems(tmp_path, {"sources": [folder()], "output": {"formts": ["html"]}}) == [
        "output.formts: unknown key; did you mean 'formats'?"
    ]


def test_bad_cron_value_is_reported_with_its_reason(tmp_path):
    (tmp_path / "articles").mkdir()
    found = problems(tmp_path, {"sources": [folder()], "schedule": {"digest": "61 7 * * *"}})
    assert found == [
        "schedule.digest: cron expression '61 7 * * *' is not valid: "
        "[61 7 * * *] is not acceptable, out of range"
    ]


def test_sources_are_required(tmp_path):
    assert problems(tmp_path, {"title": "x"}) == ["sources: required key is missing"]
    assert problems(tmp_path, {"sources": []}) == [
        "sources: must not be empty; list at least one source"
    ]


def test_source_names_must_be_unique(tmp_path):
    (tmp_path / "articles").mkdir()
    assert problems(tmp_path, {"sources": [folder(), folder()]}) == [
        "sources: source names must be unique; 'Local' repeats"
    ]


def test_feed_url_must_be_http(tmp_path):
    found = problems(tmp_path, {"sources": [{"name": "F", "type": "feed", "url": "file:///etc"}]})
    assert found == ["sources[0].url: 'file:///etc' is not an http(s) URL"]


def test_allow_private_links_is_off_unless_set_to_a_boolean(tmp_path):
    (tmp_path / "articles").mkdir()
    assert (
        parse_config({"sources": [folder()]}, base_dir=tmp_path).fetch.allow_private_links is False
    )
    config = parse_config(
        {"sources": [folder()], "fetch": {"allow_private_links": True}}, base_dir=tmp_path
    )
    assert config.fetch.allow_private_links is True
    found = problems(tmp_path, {"sources": [folder()], "fetch": {"allow_private_links": "maybe"}})
    assert found == ["fetch.allow_private_links: must be true or false, not 'maybe'"]


def test_email_recipients_are_validated_without_dns(tmp_path):
    (tmp_path / "articles").mkdir()
    found = problems(
        tmp_path,
        {
            "sources": [folder()],
            "email": {
                "enabled": True,
                "from": "Brief <brief@example.org>",
                "recipients": ["alice@example.org", "not-an-address", {"email": "b@example.org"}],
            },
        },
    )
    assert found == [
        "email.recipients[1].email: 'not-an-address' is not a valid email address: "
        "An email address must have an @-sign."
    ]


def test_enabled_email_needs_recipients(tmp_path):
    (tmp_path / "articles").mkdir()
    found = problems(
        tmp_path, {"sources": [folder()], "email": {"enabled": True, "from": "b@example.org"}}
    )
    assert found == ["email: email is enabled but has no recipients; add recipients: [...]"]


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("title: x\nsources: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems[0].startswith("line 3, column 1: not valid YAML")


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert info.value.problems == [
        "file not found; pass --config PATH, or copy the project's config.yaml"
    ]


def test_shipped_config_is_valid():
    config = load_config(Path(__file__).resolve().parents[1] / "config.yaml")
    assert config.sources[0].type == "folder" and config.sources[0].path.name == "seeds"


def test_write_config_helper_overrides(tmp_path):
    config = load_config(write_config(tmp_path, title="Evening Edition"))
    assert config.title == "Evening Edition"


def test_deeply_nested_yaml_is_one_config_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("title: " + "[" * 3000 + "]" * 3000 + "\nsources: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert problem.startswith("line 1, column ")
    assert "not valid YAML (nested more than 50 levels deep)" in problem


def test_yaml_alias_bomb_is_refused_without_expanding_it(tmp_path):
    # a: 9 strings; b: 9 x a; ... i: 9^9 strings if expanded. Aliases stay shared references.
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "config.yaml"
    path.write_text("\n".join([*lines, "sources: *i", ""]), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "a: unknown key" in info.value.problems


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"title": "Morning\nBrief"}, "title"),
        ({"email": {"subject": "{title} for {date:%A}\n"}}, "email.subject"),
        ({"email": {"from": "Brief <b@example.org>\r\nBcc: eve@example.org"}}, "email.from"),
        (
            {"email": {"recipients": [{"email": "a@example.org", "name": "A\r\nBcc: e@x.org"}]}},
            "email.recipients[0].name",
        ),
        ({"title": "Morning\x00Brief"}, "title"),
    ],
)
def test_control_characters_in_header_text_are_refused_with_the_key(tmp_path, raw, key):
    # A line break here passed check-config, then crashed every run while building the email.
    (tmp_path / "articles").mkdir()
    (problem,) = problems(tmp_path, {"sources": [folder()], **raw})
    assert problem.startswith(f"{key}: contains a ")
    assert "write it on one line" in problem


def test_every_repeated_source_name_is_reported_once(tmp_path):
    feeds = [{"name": n, "type": "feed", "url": "https://example.org/rss"} for n in "ABACBA"]
    assert problems(tmp_path, {"sources": feeds}) == [
        "sources: source names must be unique; 'A', 'B' repeats"
    ]


@pytest.mark.slow
def test_many_sources_validate_in_linear_time(tmp_path):
    # Issue 11: 50,000 sources took over 2 minutes (a per-source scan of all names). Linear
    # validation does 50,000 in under a second; the bound leaves a loaded machine 10x room.
    # Timings at 1k/10k/50k: python benchmarks/config_scale.py
    import time

    feeds = [
        {"name": f"Feed {i}", "type": "feed", "url": f"https://n{i}.example.org/rss"}
        for i in range(50_000)
    ]
    started = time.process_time()
    config = parse_config({"sources": feeds}, base_dir=tmp_path)
    assert len(config.sources) == 50_000
    assert time.process_time() - started < 10


def test_sections_name_existing_sources_each_once(tmp_path):
    (tmp_path / "articles").mkdir()
    sources = [folder(), folder(name="World wire")]
    ok = parse_config(
        {"sources": sources, "sections": [{"name": "World", "sources": ["World wire"]}]},
        base_dir=tmp_path,
    )
    assert ok.sections[0].name == "World" and ok.sections[0].sources == ("World wire",)
    found = problems(
        tmp_path,
        {
            "sources": sources,
            "sections": [
                {"name": "World", "sources": ["World wire", "Wrld wire"]},
                {"name": "Home", "sources": ["Local", "World wire"]},
                {"name": "World", "sources": ["Sport"]},
            ],
        },
    )
    assert found == [
        "sections[0].sources[1]: no source named 'Wrld wire'; did you mean 'World wire'?",
        "sections[1].sources[1]: 'World wire' is already in section 'World'",
        "sections[2].name: 'World' is used twice",
        "sections[2].sources[0]: no source named 'Sport'; use a name from sources:",
    ]
    assert problems(tmp_path, {"sources": sources, "sections": [{"name": "X"}]}) == [
        "sections[0].sources: required key is missing"
    ]


def test_email_admin_is_an_address_and_needs_a_sender(tmp_path):
    (tmp_path / "articles").mkdir()
    config = parse_config(
        {"sources": [folder()], "email": {"from": "b@example.org", "admin": "Ops@Example.org"}},
        base_dir=tmp_path,
    )
    assert config.email.admin == "Ops@example.org"
    assert problems(tmp_path, {"sources": [folder()], "email": {"admin": "ops"}}) == [
        "email.admin: 'ops' is not a valid email address: An email address must have an @-sign."
    ]
    assert problems(tmp_path, {"sources": [folder()], "email": {"admin": "ops@example.org"}}) == [
        "email: email.admin is set but 'from' is missing; add from: you@example.org"
    ]
