"""Reading a search text and matching names despite typos, without a database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from arrears.core.search import fold, name_keys, name_score, parse_query, sound_key


class TestSoundKeys:
    def test_the_usual_typos_keep_a_names_key(self):
        typos = ("Smith", "Smiht", "Smyth", "Smitth", "Smeth", "Smtih")
        assert {sound_key(w) for w in typos} == {"S35"}
        assert {sound_key(w) for w in ("John", "Jonh", "Jhon", "Jon", "Joan")} == {"J5"}
        assert {sound_key(w) for w in ("Harris", "Harirs", "Hariss", "Herris")} == {"H26"}

    def test_a_changed_first_letter_or_a_lost_class_changes_the_key(self):
        assert sound_key("Gohn") == "G5"
        assert sound_key("Smih") == "S5"

    def test_accents_case_and_punctuation_do_not_change_a_key(self):
        assert sound_key("O'Brien") == sound_key("obrien") == "O156"
        assert sound_key("Muñoz") == sound_key("MUNOZ") == "M25"

    def test_a_word_without_letters_has_no_key(self):
        assert sound_key("123") == sound_key("") == ""

    def test_a_person_is_keyed_last_name_first(self):
        assert name_keys(first_name="John", last_name="Smith") == ("S35", "J5")

    def test_a_business_is_keyed_by_the_words_that_name_it(self):
        assert name_keys(business_name="The Acme Supply Co") == ("A25", "S14")
        assert name_keys(business_name="Acme") == ("A25", "")

    @given(st.text(max_size=30))
    def test_a_key_is_empty_or_a_letter_and_its_classes_in_order(self, word):
        key = sound_key(word)
        digits = key[1:]
        assert key == "" or (key[0].isupper() and list(digits) == sorted(set(digits)))
        assert set(digits) <= set("123456")

    @given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12),
           st.data())  # fmt: skip
    def test_swapping_two_letters_after_the_first_keeps_the_key(self, word, data):
        i = data.draw(st.integers(min_value=1, max_value=len(word) - 2))
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        assert sound_key(swapped) == sound_key(word)


class TestParseQuery:
    def test_a_name_is_tried_in_both_orders(self):
        q = parse_query("Jonh Smiht")
        assert q.name_words == ("jonh", "smiht")
        assert q.name_pairs == (("S35", "J5"), ("J5", "S35"))
        assert (q.account_ids, q.ssn, q.phone_digits, q.zip_code) == ((), None, None, None)

    def test_a_comma_puts_the_last_name_first(self):
        assert parse_query("Smith, John").name_pairs == (("S35", "J5"),)

    def test_a_middle_name_is_ranked_but_not_keyed(self):
        q = parse_query("John Q Smith")
        assert q.name_words == ("john", "q", "smith")
        assert q.name_pairs == (("S35", "J5"), ("J5", "S35"))

    def test_four_digits_may_be_an_account_a_reference_or_an_ssns_last_four(self):
        q = parse_query("4411")
        assert (q.account_ids, q.client_refs, q.ssn_last4, q.name_words) == (
            (4411,),
            ("4411",),
            "4411",
            (),
        )

    def test_a_full_ssn_with_or_without_dashes(self):
        assert parse_query("123-45-6789").ssn == "123456789"
        assert parse_query("123456789").ssn == "123456789"
        assert parse_query("123-45-6789").account_ids == ()

    def test_a_phone_in_any_usual_format(self):
        assert parse_query("(716) 555-0100").phone_digits == "7165550100"
        assert parse_query("+1 716 555 0100").phone_digits == "7165550100"
        assert parse_query("716-555-0100").client_refs == ("716-555-0100",)

    def test_an_email_is_lowered(self):
        q = parse_query("Ann@Example.COM")
        assert (q.email, q.name_words) == ("ann@example.com", ())

    def test_a_zip_or_zip_plus_four(self):
        assert parse_query("14201").zip_code == "14201"
        assert parse_query("14201-1234").zip_code == "142011234"

    def test_a_prefix_says_which_reading_is_meant(self):
        q = parse_query("ssn:6789")
        assert (q.ssn_last4, q.account_ids, q.client_refs) == ("6789", (), ())
        q = parse_query("zip 14201")
        assert (q.zip_code, q.account_ids, q.client_refs, q.name_words) == ("14201", (), (), ())
        q = parse_query("name: Lee")
        assert (q.name_words, q.client_refs) == (("lee",), ())

    def test_a_client_reference_is_read_as_typed(self):
        q = parse_query("  ACME-00042 ")
        assert q.client_refs == ("ACME-00042",)
        assert q.account_ids == ()

    def test_blank_text_reads_as_nothing(self):
        assert parse_query("   ").is_empty


class TestNameScore:
    def test_the_right_person_scores_above_near_namesakes(self):
        typed = parse_query("Jonh Smiht").name_words
        john = name_score(typed, first_name="John", last_name="Smith")
        others = [
            name_score(typed, first_name=first, last_name=last)
            for first, last in [("Jane", "Smith"), ("John", "Schmidt"), ("Joan", "Smyth"),
                                ("Jim", "Snyder")]
        ]  # fmt: skip
        assert john > max(others)

    def test_order_does_not_matter(self):
        words = parse_query("smith john").name_words
        assert name_score(words, first_name="John", last_name="Smith") == 1.0

    def test_a_middle_initial_counts(self):
        words = parse_query("John Q Smith").name_words
        with_middle = name_score(words, first_name="John", middle_name="Quincy", last_name="Smith")
        assert with_middle == 1.0

    def test_a_purged_party_scores_nothing(self):
        assert name_score(("smith",)) == 0.0

    def test_folding_drops_everything_but_letters(self):
        assert fold("  Zoë-Ann O'Neil 3rd ") == "zoeannoneilrd"
