"""Provider authorization (docs/KINDERTRACK.md, contract version 2), over real HTTP: the sandbox's
link codes and the client's reading of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from core.errors import InactiveProvider, InvalidLinkCode, ProviderNotAuthorized, ProviderNotFound
from kindertrack.sandbox.api import SandboxApi
from kindertrack.sandbox.authorizations import LINK_CODE_ALPHABET, Authorizations
from kindertrack.sandbox.seed import load_seed
from kindertrack.sandbox.store import Stats, SubmissionStore
from tests.fixtures.sandbox import SandboxHarness, seed_with_link_codes

pytestmark = pytest.mark.slow  # the KinderTrack sandbox over real HTTP

SUNNY, SUNNY_CODE = "12345", "K7PM2QXA"
PRAIRIE, PRAIRIE_CODE = "67890", "H4RT9WXY"
INACTIVE, INACTIVE_CODE = "54321", "MNPQ2345"


@pytest.fixture
def seed_v2(tmp_path: Path) -> Path:
    return seed_with_link_codes(
        tmp_path, {SUNNY: [SUNNY_CODE], PRAIRIE: [PRAIRIE_CODE], INACTIVE: [INACTIVE_CODE]}
    )


def _raw(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=5.0)


def test_until_authorized_the_provider_is_hidden_and_its_calls_refused(
    sandbox: SandboxHarness, seed_v2: Path
) -> None:
    running = sandbox.start(seed_path=seed_v2)
    with _raw(running.url, running.api_key) as http:
        provider = http.get(f"/v1/providers/{SUNNY}")
        children = http.get(f"/v1/providers/{SUNNY}/children")
        found = http.get(f"/v1/providers/{SUNNY}/attendance-submissions")
        posted = http.post(
            f"/v1/providers/{SUNNY}/attendance-submissions",
            headers={"Idempotency-Key": "k"},
            json={"period_start": "2026-11-08", "period_end": "2026-11-21", "records": []},
        )

    assert provider.status_code == 200
    assert provider.json() == {"provider_id": SUNNY, "status": "active"}
    for answer in (children, found, posted):
        assert (answer.status_code, answer.json()) == (403, {"error": "not_authorized"})
    assert running.stats()["commits"] == 0


def test_a_link_code_authorizes_its_provider_once(sandbox: SandboxHarness, seed_v2: Path) -> None:
    running = sandbox.start(seed_path=seed_v2)
    client = sandbox.client(running)

    with pytest.raises(InvalidLinkCode):
        client.authorize_provider(SUNNY, PRAIRIE_CODE)  # another provider's code
    with pytest.raises(ProviderNotAuthorized):
        client.list_children(SUNNY)
    assert client.get_provider(SUNNY).authorized is False
    assert client.get_provider(SUNNY).name == ""

    info = client.authorize_provider(SUNNY, SUNNY_CODE.lower(), username="Maria")

    assert (info.provider_id, info.name, info.active, info.authorized) == (
        SUNNY,
        "Sunny Days",
        True,
        True,
    )
    assert client.get_provider(SUNNY).name == "Sunny Days"
    assert len(client.list_children(SUNNY)) == 6
    with pytest.raises(InvalidLinkCode):
        client.authorize_provider(SUNNY, SUNNY_CODE)  # used
    with pytest.raises(ProviderNotAuthorized):
        client.list_children(PRAIRIE)  # the other provider stays unauthorized


def test_inactive_and_unknown_providers(sandbox: SandboxHarness, seed_v2: Path) -> None:
    client = sandbox.client(sandbox.start(seed_path=seed_v2))

    with pytest.raises(InactiveProvider):
        client.authorize_provider(INACTIVE, INACTIVE_CODE)
    with pytest.raises(ProviderNotFound):
        client.authorize_provider("99999", SUNNY_CODE)


def test_the_admin_call_mints_a_fresh_one_time_code(sandbox: SandboxHarness, seed_v2: Path) -> None:
    running = sandbox.start(seed_path=seed_v2)
    client = sandbox.client(running)

    code = running.mint_link_code(PRAIRIE)

    assert len(code) == 8 and set(code) <= set(LINK_CODE_ALPHABET)
    with pytest.raises(InvalidLinkCode):
        client.authorize_provider(SUNNY, code)  # minted for Prairie Sprouts
    assert client.authorize_provider(PRAIRIE, code).name == "Prairie Sprouts"
    with _raw(running.url, running.api_key) as http:
        assert http.post("/_sandbox/providers/99999/link-codes").status_code == 404
    with _raw(running.url, "wrong-key") as http:
        assert http.post(f"/_sandbox/providers/{PRAIRIE}/link-codes").status_code == 401


def test_a_code_expires_after_seven_days(seed_v2: Path) -> None:
    now = [datetime(2026, 11, 1, tzinfo=UTC)]
    seed = load_seed(seed_v2)
    api = SandboxApi(
        seed,
        SubmissionStore(),
        Stats(),
        authorizations=Authorizations(seed.link_codes(), clock=lambda: now[0]),
    )
    now[0] += timedelta(days=7)

    def authorize(code: str) -> int:
        headers = {"authorization": f"Bearer {seed.api_key}"}
        body = f'{{"link_code": "{code}"}}'.encode()
        return api.handle("POST", f"/v1/providers/{SUNNY}/authorizations", {}, headers, body).status

    assert authorize(SUNNY_CODE) == 403
    now[0] -= timedelta(seconds=1)
    assert authorize(SUNNY_CODE) == 201


def test_authorizations_survive_a_restart_with_a_state_file(
    sandbox: SandboxHarness, seed_v2: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = sandbox.start(seed_path=seed_v2, state_path=state)
    sandbox.client(first).authorize_provider(SUNNY, SUNNY_CODE)
    first.stop()

    again = sandbox.client(sandbox.start(seed_path=seed_v2, state_path=state))

    assert again.get_provider(SUNNY).authorized is True
    with pytest.raises(InvalidLinkCode):
        again.authorize_provider(SUNNY, SUNNY_CODE)


def test_a_seed_without_link_codes_authorizes_every_provider(
    kindertrack_client: object, sandbox: SandboxHarness
) -> None:
    client = sandbox.client()
    assert client.get_provider(SUNNY).name == "Sunny Days"
    assert client.list_pay_periods(date(2026, 11, 8), date(2026, 11, 21))
    assert client.authorize_provider(PRAIRIE, "ANYCODE2").name == "Prairie Sprouts"
