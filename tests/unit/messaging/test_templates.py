"""Message templates: only known placeholders, the law's wording added around the author's."""

from __future__ import annotations

import pytest

from arrears.core.messaging.templates import (
    SMS_SUFFIX,
    paragraphs,
    render_email,
    render_sms,
    render_text,
    sample_values,
    template_problems,
)


class TestTemplateProblems:
    def test_accepts_text_with_known_placeholders(self):
        assert template_problems("email", "About {{ client_name }}",
                                 "Dear {{ consumer_name }},\n\nYou owe {{ balance }}.") == []  # fmt: skip

    def test_names_an_unknown_placeholder_and_its_line(self):
        [problem] = template_problems("letter", "", "Hello\n{{ consumer_nmae }}")
        assert problem.field == "body" and problem.line == 2
        assert problem.message.startswith("{{ consumer_nmae }} is not a placeholder (known: ")

    @pytest.mark.parametrize(
        "body",
        ["{% if balance %}x{% endif %}", "{{ balance|upper }}", "{{ consumer.name }}",
         "{{ balance + 1 }}"],
    )  # fmt: skip
    def test_refuses_anything_but_a_bare_name(self, body):
        problems = template_problems("letter", "", body)
        assert problems and all(p.field == "body" for p in problems)

    def test_an_unclosed_placeholder_cannot_be_read(self):
        [problem] = template_problems("sms", "", "Call {{ collector_phone")
        assert problem.message.startswith("cannot be read: ")

    def test_an_email_needs_a_subject_and_a_text_has_none(self):
        assert [str(p) for p in template_problems("email", "", "Hi")] == [
            "subject: an email needs a subject"
        ]
        assert [str(p) for p in template_problems("sms", "Hi", "Hi")] == [
            "subject: a sms has no subject"
        ]

    def test_a_text_too_long_with_its_opt_out_sentence_is_refused(self):
        [problem] = template_problems("sms", "", "x" * 280)
        assert problem.message == "a text with its opt-out sentence must fit in 320 characters"


class TestRendering:
    def test_fills_every_placeholder(self):
        assert render_text("{{ consumer_first_name }} owes {{ balance }}", sample_values()) == (
            "Jordan owes $1,234.56"
        )

    def test_refuses_to_render_without_every_value(self):
        with pytest.raises(KeyError):
            render_text("{{ balance }}", {"balance": "$1.00"})

    def test_an_email_ends_with_the_disclosure_and_the_opt_out_link(self):
        mail = render_email("Your account {{ our_reference }}", "Hello {{ consumer_first_name }}",
                            sample_values(), "https://x.test/opt-out/abc/")  # fmt: skip
        assert mail.subject == "Your account 42"
        assert mail.text == (
            "Hello Jordan\n\nThis communication is from a debt collector.\n\n"
            "To stop receiving emails from us, use this link: https://x.test/opt-out/abc/\n"
        )
        assert '<a href="https://x.test/opt-out/abc/">use this link</a>' in mail.html

    def test_html_escapes_values(self):
        mail = render_email("s", "{{ consumer_name }}", sample_values(consumer_name="<b>A&B</b>"),
                            "https://x.test/o")  # fmt: skip
        assert "<p>&lt;b&gt;A&amp;B&lt;/b&gt;</p>" in mail.html

    def test_a_text_is_one_line_ending_with_who_we_are_and_how_to_stop(self):
        text = render_sms("Hi {{ consumer_first_name }},\ncall {{ collector_phone }}.",
                          sample_values())  # fmt: skip
        assert text == f"Hi Jordan, call (800) 555-0100. {SMS_SUFFIX}"

    def test_paragraphs_are_split_on_blank_lines(self):
        assert paragraphs("One\nline two\n\n\n Two \n") == ["One\nline two", "Two"]
