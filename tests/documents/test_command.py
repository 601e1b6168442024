"""`python manage.py render_pep PEP_ID --out FILE.pdf`."""

import pytest
from django.core.management import CommandError, call_command

from children.school_year import PepTemplate
from tests.documents.reading import read_pdf


def test_render_pep_writes_the_pdf(peps_by_template, tmp_path, capsys):
    pep = peps_by_template[PepTemplate.POST_16]
    out = tmp_path / "pep.pdf"
    call_command("render_pep", str(pep.pk), "--out", str(out))
    assert "Risk of not being in education" in read_pdf(out.read_bytes()).text
    assert f"Wrote {out}" in capsys.readouterr().out


def test_render_pep_names_the_file_itself_and_refuses_an_unknown_pep(
    pep_setting, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    call_command("render_pep", str(pep_setting.pep.pk))
    assert (tmp_path / "ZQ_2026-12-31_PEP.pdf").read_bytes().startswith(b"%PDF-")
    with pytest.raises(CommandError, match="There is no PEP 999999"):
        call_command("render_pep", "999999")
