"""Notification settings: every rule's ``notify`` URLs are checked for syntax only, and errors never show them."""

from __future__ import annotations

import logging

import pytest

from camsight.config import parse_config
from camsight.config.models import MAX_NOTIFY_URLS, NotificationsConfig, notify_url_problem
from camsight.errors import ConfigError

RULE = "cameras:\n  - id: gate\n    rules:\n      - kind: loitering\n        notify: {urls}\n"


def test_urls_apprise_understands_are_kept_on_every_kind_of_rule() -> None:
    urls = [
        "json://127.0.0.1:8080/hook",
        "ntfy://ntfy.sh/gate-alerts",
        "mailto://user:app-password@gmail.com",
        "tgram://123456789:AABBccddEEffgghhiijjkkllmmnnooppqq/4321",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
    ]
    config = parse_config(RULE.format(urls=urls))
    assert config.cameras[0].rules[0].notify == tuple(urls)
    crowd = parse_config(
        "cameras:\n  - id: gate\n    rules:\n      - kind: crowd\n        notify: [ntfy://ntfy.sh/x]\n"
    )
    assert crowd.cameras[0].rules[0].notify == ("ntfy://ntfy.sh/x",)
    assert parse_config("cameras:\n  - id: gate\n").notifications == NotificationsConfig()


@pytest.mark.parametrize(
    "url", ["tgram://s3cret-not-a-token", "nosuch://user:s3cret@host/x", "s3cret", "json://", "https://"]
)
def test_a_url_apprise_cannot_use_is_refused_naming_where_without_repeating_it(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as caught:
        parse_config(RULE.format(urls=[url]))
    message = str(caught.value)
    assert "cameras.0.rules.0.loitering.notify.0: " in message
    assert "is not a notification URL Apprise can use" in message
    assert "s3cret" not in message
    assert all("s3cret" not in r.getMessage() for r in caplog.records)  # Apprise's own lines are kept back


def test_at_most_twenty_urls_per_rule_of_at_most_4096_characters() -> None:
    urls = [f"ntfy://ntfy.sh/t{n}" for n in range(MAX_NOTIFY_URLS + 1)]
    with pytest.raises(ConfigError, match="notify: Tuple should have at most 20 items"):
        parse_config(RULE.format(urls=urls))
    with pytest.raises(ConfigError, match="notify.0: a notification URL has at most 4096 characters"):
        parse_config(RULE.format(urls=["ntfy://ntfy.sh/" + "t" * 4096]))


def test_checking_a_url_contacts_nothing() -> None:
    """An address that cannot resolve is still a valid URL: only the syntax is checked."""
    assert notify_url_problem("json://no-such-host.invalid:1/hook") is None
    assert notify_url_problem("mailto://user:pw@no-such-host.invalid") is None


@pytest.mark.parametrize(
    ("title", "ok"),
    [
        ("{kind} at {camera} ({zone}), {time}, {score}, {rule}, {site}, {id}", True),
        ("{{literal}} {camera}", True),
        ("{bogus}", False),
        ("{kind.__class__}", False),
        ("{0}", False),
        ("{}", False),
        ("{kind", False),
    ],
)
def test_the_title_may_use_only_the_known_fields(title: str, ok: bool) -> None:
    text = f"notifications:\n  title: '{title}'\n"
    if ok:
        assert parse_config(text).notifications.title == title
        return
    with pytest.raises(ConfigError, match="notifications.title: the title may use only"):
        parse_config(text)
