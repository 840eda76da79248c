"""The two download buttons of the Lampiran document (DOCX, PDF), for the results page.

`document_buttons(view)` is called at the end of pages/hasil_prioritas.py. The document is built
only when a button is clicked, from the same services and scoring as the page, so every number in it
equals the one on screen.
"""
from __future__ import annotations

import streamlit as st

from assessment import document
from assessment.assessments import AssessmentView
from pages import ui


def _stem(view: AssessmentView) -> str:
    safe = "".join(ch if ch.isalnum() else "_" for ch in view.unit_name).strip("_")
    return f"lampiran_renaksi_{safe}_{view.year}"


def document_buttons(view: AssessmentView) -> None:
    actor = ui.current_actor()
    if actor is None:
        return

    def make(fmt: str):
        return lambda: document.render(document.build(actor, view.id), fmt)

    st.subheader("Dokumen Lampiran")
    st.caption("Dokumen bergaya Lampiran Perbup (Tabel 2, 3, 4, 5, 6, 8 dan 9) dibuat langsung dari data portal: "
               "angka di dalamnya sama dengan yang tampil di halaman ini.")
    c1, c2 = st.columns(2)
    c1.download_button("Unduh dokumen (DOCX)", data=make("docx"), file_name=_stem(view) + ".docx",
                       mime=document.DOCX_MIME, icon=":material/description:", on_click="ignore",
                       key=f"doc_docx_{view.id}")
    c2.download_button("Unduh dokumen (PDF)", data=make("pdf"), file_name=_stem(view) + ".pdf",
                       mime=document.PDF_MIME, icon=":material/picture_as_pdf:", on_click="ignore",
                       key=f"doc_pdf_{view.id}")


if __name__ == "__main__":  # opened as a page in Streamlit's legacy mode: route it through app.py
    from pages import ui

    ui.ensure_routed()
