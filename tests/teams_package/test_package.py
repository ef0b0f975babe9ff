"""`python -m bot teams-package`: the zip Teams admins upload. A real process builds it once; the manifest
is validated against Microsoft's published 1.20 schema (vendored in schema/, see ORIGIN.md), the icons
are opened and checked pixel by pixel, and the refusals are one clear line with exit code 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from bot.commands.grammar import HELP_LINES

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "schema" / "MicrosoftTeams.schema.v1.20.json").read_text())
APP_ID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
ENV = {"TEAMS_APP_ID": APP_ID, "PLUME_PUBLIC_URL": "https://plume.example.com", "LOG_LEVEL": "WARNING"}
PERSONAL = ["help", "join", "me", "hours", "nudges", "topics", "recap", "highlights", "export", "forget"]
TEAM = [
    "help",
    "join",
    "me",
    "hours",
    "nudges",
    "admin channel",
    "admin invite",
    "admin status",
    "admin settings",
    "admin digest preview",
]


def run_process(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A real `python -m bot` in `cwd`, with none of this machine's Teams/Plume/Slack settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "PLUME_", "TEAMS_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The package built by a real process with `--out tmp/x.zip` (relative to its working folder)."""
    cwd = tmp_path_factory.mktemp("package")
    (cwd / "tmp").mkdir()
    return run_process(cwd, ENV, "teams-package", "--out", "tmp/x.zip"), cwd / "tmp" / "x.zip"


@pytest.fixture(scope="module")
def members(built) -> dict[str, bytes]:
    result, path = built
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def manifest(members) -> dict:
    return json.loads(members["manifest.json"])


def test_the_process_says_where_it_wrote_the_package(built):
    result, path = built
    assert result.stdout.strip() == (
        f"Wrote the Teams app package to {path}: upload it in the Teams admin centre or Developer Portal."
    )
    assert result.stderr == ""


def test_the_zip_holds_the_manifest_and_both_icons_at_its_root(members):
    assert list(members) == ["manifest.json", "color.png", "outline.png"]


def test_the_manifest_is_valid_against_the_teams_1_20_schema(manifest):
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(manifest)
    assert manifest["$schema"] == (
        "https://developer.microsoft.com/en-us/json-schemas/teams/v1.20/MicrosoftTeams.schema.json"
    )
    assert manifest["manifestVersion"] == "1.20"


@pytest.mark.parametrize(
    "breakage",
    [
        lambda m: m["bots"][0]["commandLists"][0]["commands"].append({"title": "leave", "description": "x"}),
        lambda m: m["bots"][0]["commandLists"][1]["commands"][0].update(title="h" * 33),
        lambda m: m["description"].update(short="s" * 81),
        lambda m: m.update(id="not-a-guid"),
        lambda m: m["bots"][0].update(scopes=["personal", "channel"]),
    ],
    ids=["eleven-commands", "long-title", "long-short-description", "bad-id", "unknown-scope"],
)
def test_the_schema_check_rejects_what_teams_would(manifest, breakage):
    broken = json.loads(json.dumps(manifest))
    breakage(broken)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(broken)


def test_the_manifest_names_the_bot_and_its_host(manifest):
    guid = APP_ID.lower()
    assert manifest["id"] == guid
    assert manifest["version"] == "1.0.0"
    assert manifest["accentColor"] == "#2c3e50"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["developer"] == {
        "name": "Plume",
        "websiteUrl": "https://plume.example.com",
        "privacyUrl": "https://plume.example.com",
        "termsOfUseUrl": "https://plume.example.com",
    }
    assert manifest["validDomains"] == ["plume.example.com"]
    assert "webApplicationInfo" not in manifest
    [bot] = manifest["bots"]
    assert {k: v for k, v in bot.items() if k != "commandLists"} == {
        "botId": guid,
        "scopes": ["personal", "team"],
        "supportsFiles": True,
        "isNotificationOnly": False,
    }
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000


def test_the_command_menus_come_from_the_core_grammar(manifest):
    personal, team = manifest["bots"][0]["commandLists"]
    assert personal["scopes"] == ["personal"] and team["scopes"] == ["team"]
    assert [c["title"] for c in personal["commands"]] == PERSONAL
    assert [c["title"] for c in team["commands"]] == TEAM
    core = dict(HELP_LINES)
    for entry in personal["commands"] + team["commands"]:
        usage = next(u for u in core if u == entry["title"] or u.startswith(entry["title"] + " "))
        if entry["title"] == "admin channel":  # in a channel it takes no argument
            assert entry["description"] == "Admins only: make this channel the one for the weekly digest."
        else:
            assert entry["description"].endswith(core[usage]), entry
            assert entry["description"].startswith(usage if usage != entry["title"] else core[usage])
        assert len(entry["title"]) <= 32 and len(entry["description"]) <= 128


def test_the_colour_icon_is_192_pixels_in_full_colour(members):
    image = Image.open(io.BytesIO(members["color.png"]))
    assert image.format == "PNG" and image.size == (192, 192) and image.mode == "RGB"
    colours = {colour for _, colour in image.getcolors(maxcolors=192 * 192)}
    assert (0x2C, 0x3E, 0x50) in colours  # the accent background
    assert (255, 255, 255) in colours  # the quill
    assert len(colours) > 3  # smooth edges, an orange nib: not a two-colour mask


def test_the_outline_icon_is_32_pixels_white_on_transparent(members):
    image = Image.open(io.BytesIO(members["outline.png"]))
    assert image.format == "PNG" and image.size == (32, 32) and image.mode == "RGBA"
    pixels = list(image.get_flattened_data())
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a)
    alphas = [a for *_, a in pixels]
    assert alphas.count(0) > 32 * 32 // 2  # mostly transparent
    assert alphas.count(255) >= 40  # and a solid mark, not a faint one


def test_two_builds_are_byte_for_byte_the_same(cli, built, tmp_path):
    _, first = built
    again = cli(ENV, "teams-package", "--out", str(tmp_path / "again.zip"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.zip").read_bytes() == first.read_bytes()


def test_without_out_it_writes_plume_teams_zip_in_the_current_folder(tmp_path):
    result = run_process(tmp_path, ENV, "teams-package")
    assert result.returncode == 0, result.stderr
    assert f"to {tmp_path / 'plume-teams.zip'}:" in result.stdout
    assert zipfile.ZipFile(tmp_path / "plume-teams.zip").namelist() == [
        "manifest.json",
        "color.png",
        "outline.png",
    ]


def test_without_teams_app_id_it_refuses_in_one_line(tmp_path):
    result = run_process(tmp_path, {"PLUME_PUBLIC_URL": "https://plume.example.com"}, "teams-package")
    assert result.returncode == 2
    assert result.stderr == (
        "error: TEAMS_APP_ID is not set: the Teams app package needs the bot's Microsoft App ID "
        "(Azure Bot → Configuration).\n"
    )
    assert result.stdout == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        (
            {**ENV, "TEAMS_APP_ID": "my-bot"},
            (),
            "error: TEAMS_APP_ID must be a GUID such as 00000000-0000-0000-0000-000000000000, not 'my-bot'.",
        ),
        (
            {**ENV, "PLUME_PUBLIC_URL": "http://localhost:3978"},
            (),
            "error: The Teams manifest needs an https website URL: set PLUME_PUBLIC_URL to your https host, "
            "or pass --website-url.",
        ),
        (
            {"TEAMS_APP_ID": APP_ID},
            (),
            "error: The Teams manifest needs an https website URL: set PLUME_PUBLIC_URL to your https host, "
            "or pass --website-url.",
        ),
        (
            ENV,
            ("--privacy-url", "http://example.com/privacy"),
            "error: The Teams manifest needs an https privacy URL: set PLUME_PUBLIC_URL to your https host, "
            "or pass --privacy-url.",
        ),
        (
            ENV,
            ("--app-version", "v2"),
            "error: The app version must look like 1.0.0 (MAJOR.MINOR.PATCH), not 'v2'.",
        ),
    ],
    ids=["not-a-guid", "http-public-url", "no-public-url", "http-privacy-url", "bad-version"],
)
def test_bad_settings_are_refused_in_one_line(cli, tmp_path, env, args, message):
    result = cli(env, "teams-package", "--out", str(tmp_path / "x.zip"), *args)
    assert result.returncode == 2
    assert result.stderr.strip() == message and "Traceback" not in result.stderr
    assert not (tmp_path / "x.zip").exists()


def test_a_missing_folder_is_refused_in_one_line(cli, tmp_path):
    result = cli(ENV, "teams-package", "--out", str(tmp_path / "nowhere" / "x.zip"))
    assert result.returncode == 2
    folder = tmp_path / "nowhere"
    assert (
        result.stderr.strip()
        == f"error: Cannot write {folder / 'x.zip'}: the folder {folder} does not exist."
    )


def test_flags_set_the_version_and_the_developer_pages(cli, tmp_path):
    env = {"TEAMS_APP_ID": APP_ID, "PLUME_PUBLIC_URL": "http://localhost:3978"}
    result = cli(
        env,
        "teams-package",
        "--out",
        str(tmp_path / "x.zip"),
        "--app-version",
        "1.4.2",
        "--website-url",
        "https://example.com/plume",
        "--terms-url",
        "https://example.com/terms",
    )
    assert result.returncode == 0, result.stderr
    made = json.loads(zipfile.ZipFile(tmp_path / "x.zip").read("manifest.json"))
    jsonschema.Draft4Validator(SCHEMA).validate(made)
    assert made["version"] == "1.4.2"
    assert made["developer"]["websiteUrl"] == made["developer"]["privacyUrl"] == "https://example.com/plume"
    assert made["developer"]["termsOfUseUrl"] == "https://example.com/terms"
    assert made["validDomains"] == ["localhost"]
