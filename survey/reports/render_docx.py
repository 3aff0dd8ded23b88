"""The report as a Word document (python-docx), the same outline as the PDF (:mod:`survey.reports.document`),
because officers edit a report before it is signed. Times New Roman 13 pt on A4 with Nghị định 30's margins
(top and bottom 20 mm, left 30 mm, right 15 mm); the header is a borderless two-column table, as the decree's
template has it; table header rows repeat across pages and captions stay with their tables.
"""

from __future__ import annotations

import io

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from survey.reports import document as doc
from survey.reports import labels
from survey.reports.letterhead import NATIONAL, Letterhead
from survey.reports.model import Report

FONT = "Times New Roman"
HEAD_FILL = "E1E8F0"


def _run(paragraph, text: str, size: float = 13, bold: bool = False, italic: bool = False):
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.bold, run.italic = FONT, Pt(size), bold, italic
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return run


def _line(cell_or_doc, text: str, size: float = 13, bold: bool = False, italic: bool = False,
          align=WD_ALIGN_PARAGRAPH.CENTER, first: bool = False):
    paragraph = cell_or_doc.paragraphs[0] if first else cell_or_doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, size, bold, italic)
    return paragraph


def _underline_paragraph(paragraph) -> None:
    """A short rule under the issuer and the motto, drawn as the paragraph's bottom border."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _no_borders(table) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _fixed_widths(table, widths) -> None:
    """Column widths that Word and LibreOffice both keep: the grid's and every cell's, autofit off."""
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _repeat_header(row) -> None:
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _cant_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def letterhead(word, head: Letterhead, number_line: str, date_line: str) -> None:
    grid = word.add_table(rows=2, cols=2)
    _no_borders(grid)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(grid, (Mm(65), Mm(100)))
    left, right = grid.cell(0, 0), grid.cell(0, 1)
    lines = ([(head.authority.upper(), False)] if head.authority else []) + [(head.issuer.upper(), True)]
    for i, (text, bold) in enumerate(lines):
        last = _line(left, text, 12, bold, first=i == 0)
    last.paragraph_format.space_after = Pt(2)
    _line(right, doc.MOTTO[0], 12, True, first=True)
    motto = _line(right, doc.MOTTO[1], 13, True)
    for paragraph, indent in ((last, Mm(14)), (motto, Mm(16))):
        paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = indent
        _underline_paragraph(paragraph)
    _line(grid.cell(1, 0), number_line, 13, first=True)
    _line(grid.cell(1, 1), date_line, 13, italic=True, first=True)


def table(word, block: doc.Table) -> None:
    caption = _line(word, block.caption, 12, True, align=WD_ALIGN_PARAGRAPH.LEFT)
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)
    if block.note:
        note = _line(word, block.note, 11, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        note.paragraph_format.keep_with_next = True
    grid = word.add_table(rows=1, cols=len(block.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = 11 if len(block.columns) <= 3 else 9
    total = sum(block.widths)
    widths = [Mm(165 * w / total) for w in block.widths]
    header = grid.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, block.columns):
        _shade(cell, HEAD_FILL)
        paragraph = _line(cell, text, size, True, first=True)
        paragraph.paragraph_format.keep_with_next = True
    for values in block.rows:
        row = grid.add_row()
        _cant_split(row)
        for i, (cell, text) in enumerate(zip(row.cells, values)):
            align = WD_ALIGN_PARAGRAPH.LEFT if i < block.numeric_from else WD_ALIGN_PARAGRAPH.RIGHT
            _line(cell, text, size, align=align, first=True)
    _fixed_widths(grid, widths)


def signature(word, recipients: tuple[str, ...]) -> None:
    """The two signers side by side with room to sign, then "Nơi nhận" (recipients) at the left."""
    word.add_paragraph()
    grid = word.add_table(rows=2, cols=2)
    _no_borders(grid)
    _fixed_widths(grid, (Mm(82), Mm(83)))
    for cell, (title, hint) in zip(grid.rows[0].cells, doc.SIGNERS):
        _line(cell, title, 13, True, first=True)
        _line(cell, hint, 12, italic=True)
        for _ in range(4):
            _line(cell, "", 12)
    where = grid.cell(1, 0)
    _line(where, "Nơi nhận:", 12, True, True, WD_ALIGN_PARAGRAPH.LEFT, first=True)
    for line in recipients:
        _line(where, f"- {line}", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for row in grid.rows:
        _cant_split(row)


def render_docx(report: Report, head: Letterhead | None = None) -> bytes:
    outline = doc.build_document(report, head or NATIONAL)
    word = WordDocument()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    word.core_properties.title = f"{outline.kind} {outline.title}"
    word.core_properties.language = "vi-VN"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    made = labels.generated(report)
    _run(footer, f"{made[:1].upper()}{made[1:]} · Dữ liệu đến {labels.cutoff(report)}", 9)

    letterhead(word, outline.letterhead, outline.number_line, outline.date_line)
    _line(word, outline.kind, 14, True).paragraph_format.space_before = Pt(12)
    _line(word, outline.title, 13, True).paragraph_format.space_after = Pt(12)
    for block in outline.blocks:
        match block:
            case doc.Heading(text, _level):
                paragraph = _line(word, text, 13, True, align=WD_ALIGN_PARAGRAPH.LEFT)
                paragraph.paragraph_format.keep_with_next = True
                paragraph.paragraph_format.space_before = Pt(6)
            case doc.Paragraph(text, small):
                paragraph = _line(word, text, 11 if small else 13, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
                paragraph.paragraph_format.first_line_indent = Mm(10)
                paragraph.paragraph_format.space_after = Pt(4)
            case doc.Bullets(items):
                for item in items:
                    paragraph = _line(word, f"- {item}", 13, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
                    paragraph.paragraph_format.first_line_indent = Mm(10)
                    paragraph.paragraph_format.space_after = Pt(3)
            case doc.Table():
                table(word, block)
            case doc.Chart(png, caption):
                picture = word.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.paragraph_format.keep_with_next = True
                picture.add_run().add_picture(io.BytesIO(png), width=Mm(160))
                _line(word, caption, 11, italic=True)
            case doc.Code(text):
                for line in text.splitlines():
                    paragraph = _line(word, line, 8, align=WD_ALIGN_PARAGRAPH.LEFT)
                    paragraph.runs[0].font.name = "DejaVu Sans Mono"
                    paragraph.runs[0].font.color.rgb = RGBColor(0x20, 0x20, 0x20)
            case doc.PageBreak():
                word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            case doc.Signature():
                signature(word, outline.recipients)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
