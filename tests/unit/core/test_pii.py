"""Personal data at rest: round trips, rotation, tamper and field binding, blind indexes."""

import base64
import hashlib

import pytest

from arrears.core.pii import BlindIndexer, DecryptionError, KeyRing, mask_ssn, normalize_ssn


def key(byte: int) -> str:
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


RING = KeyRing.from_spec(f"k2:{key(2)},k1:{key(1)}")


class TestKeyRing:
    def test_round_trip_under_the_first_key(self):
        token = RING.encrypt("123456789", context="party.ssn")
        assert token.startswith("k2:") and "123456789" not in token
        assert RING.decrypt(token, context="party.ssn") == "123456789"

    def test_same_value_encrypts_differently_each_time(self):
        assert RING.encrypt("x", context="c") != RING.encrypt("x", context="c")

    def test_old_key_still_decrypts_after_rotation(self):
        old = KeyRing.from_spec(f"k1:{key(1)}").encrypt("1980-05-17", context="party.dob")
        assert RING.decrypt(old, context="party.dob") == "1980-05-17"
        assert RING.needs_rotation(old)

    def test_token_moved_to_another_field_fails(self):
        token = RING.encrypt("123456789", context="party.ssn")
        with pytest.raises(DecryptionError):
            RING.decrypt(token, context="party.dob")

    def test_tampered_token_fails(self):
        token = RING.encrypt("123456789", context="party.ssn")
        flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        with pytest.raises(DecryptionError):
            RING.decrypt(flipped, context="party.ssn")

    def test_unknown_key_id_fails(self):
        token = KeyRing.from_spec(f"k9:{key(9)}").encrypt("x", context="c")
        with pytest.raises(DecryptionError, match="k9"):
            RING.decrypt(token, context="c")

    @pytest.mark.parametrize(
        "spec",
        ["", "nokey", f"a:{key(1)},a:{key(2)}", "a:" + base64.urlsafe_b64encode(b"short").decode()],
    )
    def test_bad_specs_are_refused(self, spec):
        with pytest.raises(ValueError):
            KeyRing.from_spec(spec)


class TestBlindIndex:
    def test_equal_values_index_equally_and_kinds_differ(self):
        indexer = BlindIndexer.from_secret("s")
        assert indexer.index("ssn", "123456789") == indexer.index("ssn", "123456789")
        assert indexer.index("ssn", "123456789") != indexer.index("phone", "123456789")
        assert len(indexer.index("ssn", "123456789")) == 32

    def test_indexes_stay_the_keyed_blake2b_of_the_value_on_every_call(self):
        # Stored indexes must never change: each is BLAKE2b-128 keyed with SHA-256 of the secret
        # and personalised with the kind, whether computed first or from the kept keyed state.
        indexer = BlindIndexer.from_secret("s")
        for _ in range(2):
            assert indexer.index("phone", "+12125550123") == "686b20900285a8ad3b1ccf124cda17be"
            assert indexer.index("ssn", "123456789") == "635e1b28e503b2fe972072263decd1cf"
        key = hashlib.sha256(b"arrears-blind-index:s").digest()
        assert (
            indexer.index("email", "a@b.co")
            == hashlib.blake2b(b"a@b.co", digest_size=16, key=key, person=b"email").hexdigest()
        )

    def test_another_secret_gives_another_index(self):
        a = BlindIndexer.from_secret("one").index("ssn", "123456789")
        b = BlindIndexer.from_secret("two").index("ssn", "123456789")
        assert a != b


class TestNormalize:
    def test_ssn_digits_only(self):
        assert normalize_ssn(" 123-45-6789 ") == "123456789"
        with pytest.raises(ValueError):
            normalize_ssn("12-345")

    def test_mask(self):
        assert mask_ssn("6789") == "***-**-6789"
        assert mask_ssn("") == "not on file"
