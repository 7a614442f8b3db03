from __future__ import annotations

import copy
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.redaction import redact_obj, redact_text

GH = "ghp_" + "A1b2C3d4" * 4 + "Zz9Y"
OPENAI = "sk-proj-" + "Xy12" * 12
ANTHROPIC = "sk-ant-api03-" + "Qw_9-" * 16
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n"
    "-----END RSA PRIVATE KEY-----"
)

# (text, the secret that must disappear, the kind that must replace it)
SHAPES = [
    (f"git push https://x-access-token:{GH}@github.com/o/r", GH, "url_password"),
    (f"echo {GH}", GH, "github_token"),
    ("gho_" + "a" * 36, "gho_" + "a" * 36, "github_token"),
    ("ghs_" + "B" * 36 + " done", "ghs_" + "B" * 36, "github_token"),
    ("token: github_pat_11ABCDEFG0_" + "k" * 59, "github_pat_11ABCDEFG0_" + "k" * 59,
     "github_token"),
    (f"curl -d model=gpt {OPENAI}", OPENAI, "openai_key"),
    ("sk-" + "a1B2" * 12, "sk-" + "a1B2" * 12, "openai_key"),
    (f"x-api-key: {ANTHROPIC}", ANTHROPIC, "anthropic_key"),
    (f"export AWS_ACCESS_KEY_ID={AWS_ID}", AWS_ID, "aws_access_key_id"),
    ("creds ASIAY34FZKBOKMUTVV7A ok", "ASIAY34FZKBOKMUTVV7A", "aws_access_key_id"),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET, "aws_secret_access_key"),
    (f'{{"SecretAccessKey": "{AWS_SECRET}"}}', AWS_SECRET, "api_key"),
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp", "xoxb-123456789012-1234567890123",
     "slack_token"),
    ("xoxp-1-2-3-abcdefabcdef", "xoxp-1-2-3-abcdefabcdef", "slack_token"),
    (f"cookie={JWT}", JWT, "jwt"),
    (f"echo '{JWT}'", JWT, "jwt"),
    (f"cat <<EOF\n{PEM}\nEOF", "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo", "private_key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA", "b3BlbnNzaC1rZXktdjEAAAAA",
     "private_key"),
    ("curl -H 'Authorization: Bearer abc.DEF-123_x' https://api.example.com", "abc.DEF-123_x",
     "authorization"),
    ('curl --header "Authorization: Basic dXNlcjpwYXNzd29yZA==" https://x', "dXNlcjpwYXNzd29yZA==",
     "authorization"),
    ('{"headers": {"Authorization": "token s3cr3tvalue"}}', "s3cr3tvalue", "authorization"),
    ("Proxy-Authorization: Basic Zm9vOmJhcg==", "Zm9vOmJhcg==", "authorization"),
    ("git clone https://alice:hunter2pw@example.com/x.git", "hunter2pw", "url_password"),
    ("postgres://app:Pa55-w0rd!@db.internal:5432/app", "Pa55-w0rd!", "url_password"),
    ("mysql -u root --password=hunter2", "hunter2", "password"),
    ("mysql -u root --password hunter2", "hunter2", "password"),
    ("psql 'host=db password=hunter2 user=x'", "hunter2", "password"),
    ("DB_PASSWORD='correct horse battery' ./run", "correct horse battery", "password"),
    ("export GITLAB_TOKEN=glpat-abcdefghij", "glpat-abcdefghij", "token"),
    ("https://example.com/cb?access_token=abc123xyz&state=9", "abc123xyz", "token"),
    ("client_secret: 9f8e7d6c5b4a", "9f8e7d6c5b4a", "secret"),
    ('{"api_key": "k-123456789"}', "k-123456789", "api_key"),
    ("X-Api-Key: zzz-999-qqq", "zzz-999-qqq", "api_key"),
]


@pytest.mark.parametrize(("text", "secret", "kind"), SHAPES)
def test_each_secret_shape_is_redacted(text: str, secret: str, kind: str) -> None:
    out = redact_text(text)
    assert secret not in out
    assert f"[REDACTED:{kind}]" in out


def test_what_names_the_secret_is_kept() -> None:
    assert redact_text("curl -H 'Authorization: Bearer abc123' https://x.io") == (
        "curl -H 'Authorization: Bearer [REDACTED:authorization]' https://x.io")
    assert redact_text("git clone https://alice:pw12345@host/r.git") == (
        "git clone https://alice:[REDACTED:url_password]@host/r.git")
    assert redact_text("run --api-key=abc123 --verbose") == (
        "run --api-key=[REDACTED:api_key] --verbose")
    assert redact_text('DB_PASSWORD="x y z" go') == 'DB_PASSWORD="[REDACTED:password]" go'
    assert redact_text("a\n" + PEM + "\nb") == "a\n[REDACTED:private_key]\nb"


ORDINARY = [
    "git push origin main",
    "git commit -m 'fix: handle the token refresh race' && git push",
    "git checkout 3f2a9c1d5e7b9a0c2d4e6f8a1b3c5d7e9f0a2b4c",
    "sha256:" + "0123456789abcdef" * 4,
    "fingerprint sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "ssh -T git@github.com",
    "git clone git@github.com:org/repo.git",
    "curl https://example.com:8443/api/v1/items?limit=10",
    "ls ~/.ssh && cat keyboard.txt",
    "kubectl get secrets -n prod",
    "python train.py --max_tokens 512 --tokenizer bpe",
    "cat --token-file /run/tok",
    "docker run -e API_KEY=$API_KEY -e TOKEN=${TOKEN} image",
    "cd $PWD && echo PWD=/home/me OLDPWD=/tmp",
    "bypass=true compass: north",
    "npm install --save-dev @types/node",
    "task-1234567890abcdefghijklmnop risk-assessment-2024-summary",
    "Bearer tokens are described in RFC 6750",
    'password=""',
    "",
    "héllo wörld ✓",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact_text(text) == text


def test_known_values_are_redacted_by_name() -> None:
    out = redact_text("value is Zebra-7731 and Zebra-7731-long",
                      [("SHORT", "Zebra-7731"), ("LONG", "Zebra-7731-long")])
    assert out == "value is [REDACTED:SHORT] and [REDACTED:LONG]"
    assert redact_text("nothing here", [("X", "")]) == "nothing here"


def test_redact_obj_keeps_keys_and_structure() -> None:
    record = {
        "event": "decision",
        "summary": f"echo {GH}",
        "nested": {"args": ["--password", "hunter2", f"--token={GH}"], "count": 3},
        "password": "plain-words",
        "Authorization": "Bearer xyz",
        "api_key": "",
        "max_tokens": 512,
        "token_count": "12",
        "ok": True,
        "none": None,
        ("tuple",): "ignored key type",
    }
    original = copy.deepcopy(record)
    out = redact_obj(record, [("LEASED", "hunter2")])
    assert record == original  # not modified in place
    assert set(out) == set(record)
    assert out["summary"] == "echo [REDACTED:github_token]"
    assert out["nested"]["args"] == ["--password", "[REDACTED:LEASED]",
                                     "--token=[REDACTED:github_token]"]
    assert out["nested"]["count"] == 3
    assert out["password"] == "[REDACTED:password]"
    assert out["Authorization"] == "[REDACTED:authorization]"
    assert out["api_key"] == ""
    assert out["max_tokens"] == 512 and out["token_count"] == "12"
    assert out["ok"] is True and out["none"] is None
    assert out[("tuple",)] == "ignored key type"


_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SECRETS = st.one_of(
    st.text(_TOKEN_CHARS, min_size=36, max_size=40).map(lambda s: "ghp_" + s),
    st.text(_TOKEN_CHARS, min_size=40, max_size=60).map(lambda s: "sk-proj-" + s),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16).map(
        lambda s: "AKIA" + s),
    st.text(_TOKEN_CHARS, min_size=20, max_size=30).map(lambda s: "xoxb-1-" + s),
)
_FILLER = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).map(
    lambda s: s.replace("_", " "))


@settings(max_examples=300, deadline=None)
@given(before=_FILLER, secret=_SECRETS, after=_FILLER)
def test_a_secret_between_separators_never_survives(before: str, secret: str, after: str) -> None:
    out = redact_text(f"{before} {secret} {after}")
    assert secret not in out


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once


def test_fast_on_records_without_secrets() -> None:
    record = {
        "event": "decision", "agent": "claude-code",
        "session_id": "5f0c8a4e-2d7b-4b1a-9c55-0e6f1a2b3c4d", "cwd": "/home/alice/webapp",
        "tool": "Bash", "summary": "npm run test -- --watch=false src/Button.test.tsx",
        "decision": "ALLOW", "reason": "npm scripts inside the project are allowed",
        "rules": ["allow-npm-scripts"], "fingerprint": "sha256:" + "3f" * 32,
    }
    start = time.perf_counter()
    for _ in range(5000):
        redact_obj(record)
    # Measured ~0.06 s on one laptop core; the bound only catches a pathological regression.
    assert time.perf_counter() - start < 2.0


def test_large_text_stays_linear() -> None:
    # Dense with secrets (a callback per match): ~0.2 s measured for these 0.5 MB.
    text = "echo token password=x --api-key k https://a:b@c " * 10_000
    start = time.perf_counter()
    out = redact_text(text)
    assert out.count("password=[REDACTED:password]") == 10_000
    assert out.count("--api-key [REDACTED:api_key]") == 10_000
    assert time.perf_counter() - start < 5.0
    # Without secrets, megabytes pass at substring-search speed (~0.1 s measured for 10 MB).
    plain = "ls -la /srv/app/build && make -j8 all " * 250_000
    start = time.perf_counter()
    assert redact_text(plain) == plain
    assert time.perf_counter() - start < 5.0


_KEY_CHARS = st.sampled_from([*"aeiklnoprstwyzAKPST_-", "ſ", "K", "ı", "İ", "é", "0"])


@settings(max_examples=400, deadline=None)
@given(st.text(_KEY_CHARS, max_size=16), st.sampled_from(
    ["", "password", "passwd", "pass", "pwd", "secret", "token", "api_key", "apikey", "key",
     "Authorization", "cookie", "PaSsWoRd", "paſſword", "Kookie", "TOKEN"]))
def test_a_key_names_a_secret_as_the_pattern_says(head: str, tail: str) -> None:
    """The substring gate before the key pattern (it saves compiling it) decides as the
    pattern alone would, non-ASCII keys (which IGNORECASE folds) included."""
    from approvald.redaction import text

    key = head + tail
    named = text._SECRET_KEY.fullmatch(key) is not None
    assert (text.secret_key_kind(key) is not None) == named, key
