"""Ingest without OCR: text files, text-layer PDFs, reading order of text layers, bad input.

PDFs are built here from the seeds at run time (tests/support/pdfs.py has the builders); no seed
text is copied into the project. OCR paths are in tests/test_ocr.py.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

import pymupdf
import pytest
from opencc_purepy import OpenCC
from PIL import Image

from conftest import seed_paths, seed_text
from pipeline import ingest
from pipeline.config import Settings
from pipeline.document import Document
from pipeline.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    FileMissingError,
    FileTooLargeError,
    ImageTooLargeError,
    IngestError,
    TooManyPagesError,
    UndecodableTextError,
    UnsupportedTypeError,
)


from tests.support.measures import edit_distance, strip_ws  # noqa: E402
from tests.support.pdfs import CJK_FONT, text_to_pdf  # noqa: E402

SEED_PATHS = seed_paths()
SEED_IDS = [p.name[:3] for p in SEED_PATHS]


# --- text files -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", SEED_PATHS, ids=SEED_IDS)
def test_seed_loads_as_one_raw_text_page(path: Path):
    doc = ingest.load(path)
    raw = path.read_bytes()
    assert doc.media_type == "text"
    assert doc.encoding == "utf-8"
    assert doc.doc_id == path.stem
    assert doc.path == str(path)
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert [(p.number, p.engine) for p in doc.pages] == [(1, "text")]
    assert doc.text == doc.pages[0].text == raw.decode("utf-8")


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
@pytest.mark.parametrize("prefix", SEED_IDS)
def test_gbk_and_gb18030_copies_load_identically(tmp_path: Path, prefix: str, codec: str):
    text = seed_text(prefix)
    path = tmp_path / f"{prefix}_{codec}.txt"
    path.write_bytes(text.encode(codec))
    doc = ingest.load(path)
    assert doc.encoding == "gb18030"  # the strict superset decodes GBK and GB2312 files too
    assert doc.text == text


def test_utf8_bom_is_not_part_of_the_text(tmp_path: Path):
    text = seed_text("002")
    path = tmp_path / "bom.md"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    doc = ingest.load(path)
    assert (doc.encoding, doc.text) == ("utf-8-sig", text)


def test_utf16_with_bom(tmp_path: Path):
    text = seed_text("003")[:2000]
    path = tmp_path / "u16.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    doc = ingest.load(path)
    assert (doc.encoding, doc.text) == ("utf-16-le", text)


def test_form_feeds_split_pages_and_text_stays_raw(tmp_path: Path):
    raw = "  第一页\r\n\t表头\t数值  \f第二页 3286. 80\n\f"
    path = tmp_path / "pages.txt"
    path.write_bytes(raw.encode("utf-8"))
    doc = ingest.load(path)
    assert [p.text for p in doc.pages] == ["  第一页\r\n\t表头\t数值  ", "第二页 3286. 80\n", ""]
    assert doc.text == raw
    offset = raw.index("3286")
    loc = doc.locate(offset)
    assert (loc.page, doc.page(loc.page).text[loc.offset : loc.offset + 4]) == (2, "3286")


def test_binary_junk_with_a_text_extension_is_refused(tmp_path: Path):
    junk = bytes(range(256)) * 40  # invalid as UTF-8 and as GB18030
    path = tmp_path / "junk.txt"
    path.write_bytes(junk)
    with pytest.raises(UndecodableTextError, match=re.escape(str(path))) as info:
        ingest.load(path)
    assert "not utf-8" in info.value.reason and "not gb18030" in info.value.reason


@pytest.mark.parametrize(
    "payload",
    [bytes(range(1, 32)) * 50, "没有字节顺序标记的UTF-16".encode("utf-16-le")],
    ids=["control-bytes", "utf16-without-bom"],
)
def test_decodable_but_binary_text_is_refused(tmp_path: Path, payload: bytes):
    path = tmp_path / "binary.txt"
    path.write_bytes(payload)
    with pytest.raises(UndecodableTextError, match="looks binary") as info:
        ingest.load(path)
    assert info.value.path == str(path)


# --- text-quality score (decides whether a PDF text layer is garbage) -------------------------


def _garble(text: str) -> dict[str, str]:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    return {
        "utf8-as-latin1": text.encode("utf-8").decode("latin-1"),
        "utf8-as-gbk": text.encode("utf-8").decode("gbk", errors="replace"),
        "cid-glyphs": cjk.sub(lambda m: f"(cid:{ord(m.group()) % 700})", text),
        "private-use": cjk.sub(lambda m: chr(0xE000 + ord(m.group()) % 3000), text),
        "replacement": cjk.sub("\ufffd", text),
        "rare-cjk": cjk.sub(lambda m: chr(0x3400 + ord(m.group()) % 6000), text),
        # A GB file read as Big5 yields traditional characters, whose simplified folds count as
        # common: this kind scores highest of the mojibake (0.39-0.44), far below GARBLED_BELOW.
        "gb18030-as-big5": text.encode("gb18030").decode("big5", errors="replace"),
        "big5-as-gbk": _traditional(text)
        .encode("big5", errors="replace")
        .decode("gbk", errors="replace"),
    }


def _traditional(text: str) -> str:
    """``text`` as a mirror site prints it: OpenCC's simplified -> traditional, phrase-aware."""
    return OpenCC("s2t").convert(text)


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_text_quality_separates_real_text_from_garbage(prefix: str):
    text = seed_text(prefix)
    assert ingest.text_quality(text).score >= 0.99
    assert not ingest.text_quality(text).garbled
    for kind, garbage in _garble(text).items():
        quality = ingest.text_quality(garbage)
        # Big5 read as GBK keeps the characters both sets share: 0.46-0.49, with or without the
        # traditional fold (it yields simplified-looking characters).
        limit = 0.6 if kind == "big5-as-gbk" else 0.5
        assert quality.garbled and quality.score < limit, (kind, quality)


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_text_quality_accepts_traditional_text(prefix: str, monkeypatch):
    traditional = _traditional(seed_text(prefix))
    assert traditional != seed_text(prefix)
    quality = ingest.text_quality(traditional)
    assert quality.score >= 0.99 and not quality.garbled
    # Without the fold a third of the characters are uncommon: the layer used to be OCR'd.
    monkeypatch.setattr(ingest, "fold", lambda text: text)
    assert ingest.text_quality(traditional).garbled


def test_traditional_text_layer_pdf_is_used_not_ocred(tmp_path: Path):
    text = _traditional(seed_text("003"))[:3000]
    assert "項目" in text and "預算" in text
    path = tmp_path / "traditional.pdf"
    path.write_bytes(text_to_pdf(text).data)
    doc = ingest.load(path)
    assert {p.engine for p in doc.pages} == {"text_layer"}
    assert all(p.text_layer_rejected is None for p in doc.pages)
    assert strip_ws(doc.text) == strip_ws(text)  # as printed: traditional characters kept


def test_text_quality_does_not_judge_tiny_or_numeric_text():
    assert not ingest.text_quality("æ\x9c\x80").garbled  # under MIN_JUDGED_CHARS
    assert not ingest.text_quality("3286.80\t99.66%\t14.30%\t2021").garbled


# --- text-layer PDFs --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def text_pdfs(tmp_path_factory) -> dict[str, tuple[Path, list[str]]]:
    """Every seed as a text-layer PDF (CJK font embedded): path and per-page source text."""
    out = tmp_path_factory.mktemp("text_pdfs")
    pdfs = {}
    for prefix in SEED_IDS:
        built = text_to_pdf(seed_text(prefix))
        path = out / f"{prefix}.pdf"
        path.write_bytes(built.data)
        pdfs[prefix] = (path, built.page_texts)
    return pdfs


@pytest.mark.parametrize("prefix", SEED_IDS)
def test_text_layer_pdf_round_trips(text_pdfs, prefix: str):
    path, page_texts = text_pdfs[prefix]
    doc = ingest.load(path)
    assert doc.media_type == "pdf" and doc.encoding is None
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(doc.pages) == len(page_texts) > 1
    assert {p.engine for p in doc.pages} == {"text_layer"}
    assert all(p.text_layer_rejected is None and p.ocr_confidence is None for p in doc.pages)
    # Whitespace differs by construction (wrapped lines, TAB stops); characters must not.
    source = strip_ws(seed_text(prefix))
    extracted = strip_ws(doc.text)
    match_rate = 1 - edit_distance(source, extracted) / len(source)
    assert match_rate == 1.0, f"match rate {match_rate:.4f}"
    for page, expected in zip(doc.pages, page_texts):
        assert strip_ws(page.text) == strip_ws(expected), page.number


def test_text_layer_keeps_table_rows_on_one_line_with_tabs(tmp_path: Path):
    rows = [
        "项目名称\t年初预算数\t全年预算数\t全年执行数\t执行率",
        "安全生产专项经费\t30\t30.00\t29.87\t99.57%",
        "办公用房租赁费\t11.4\t11.40\t11.40\t100%",
        "合计\t331.96\t310.87\t300.12\t96.54%",
    ]
    built = text_to_pdf("\n".join(rows))
    path = tmp_path / "table.pdf"
    path.write_bytes(built.data)
    assert ingest.load(path).text.split("\n") == rows


def test_text_layer_of_sideways_content_reads_in_its_own_direction(tmp_path: Path):
    """Text drawn rotated 90° (a landscape table on a portrait page) still reads row by row."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="cjk", fontbuffer=CJK_FONT.buffer)
    # rotate=90: text runs upwards; the next row of the table is further right.
    for x, cells in ((100, ("年初预算数", "3848.29")), (130, ("实际支出数", "3286.80"))):
        page.insert_text((x, 700), cells[0], fontname="cjk", fontsize=11, rotate=90)
        page.insert_text((x, 500), cells[1], fontname="cjk", fontsize=11, rotate=90)
    path = tmp_path / "sideways.pdf"
    doc.save(path)
    assert ingest.load(path).text == "年初预算数\t3848.29\n实际支出数\t3286.80"


def test_blank_pdf_page_is_an_empty_text_layer_page(tmp_path: Path):
    doc = pymupdf.open()
    doc.new_page()
    path = tmp_path / "blank.pdf"
    doc.save(path)
    (page,) = ingest.load(path).pages
    assert (page.text, page.engine) == ("", "text_layer")


def test_owner_password_only_pdf_is_readable(tmp_path: Path, text_pdfs):
    src, _ = text_pdfs["001"]
    path = tmp_path / "restricted.pdf"
    with pymupdf.open(src) as doc:
        doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", permissions=0)
    doc = ingest.load(path)
    assert strip_ws(doc.text) == strip_ws(seed_text("001"))


def test_pdf_signature_wins_over_extension(tmp_path: Path, text_pdfs):
    src, _ = text_pdfs["003"]
    path = tmp_path / "really_a_pdf.txt"
    path.write_bytes(src.read_bytes())
    assert ingest.load(path).media_type == "pdf"


def test_document_is_serialisable(text_pdfs):
    path, _ = text_pdfs["002"]
    doc = ingest.load(path)
    assert Document.model_validate_json(doc.model_dump_json()) == doc
    assert doc.summary()["pages"][0]["engine"] == "text_layer"


# --- bad input: typed errors naming the file --------------------------------------------------


def _expect(error: type[IngestError], path: Path, settings: Settings | None = None, match: str = "") -> IngestError:
    with pytest.raises(error) as info:
        ingest.load(path, settings=settings)
    exc = info.value
    assert type(exc) is error
    assert exc.path == str(path) and str(path) in str(exc)
    assert exc.reason and match in exc.reason
    return exc


def test_missing_file(tmp_path: Path):
    _expect(FileMissingError, tmp_path / "nope.pdf", match="no such file")


def test_directory_is_not_a_file(tmp_path: Path):
    _expect(FileMissingError, tmp_path, match="not a regular file")


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    _expect(EmptyFileError, path)


@pytest.mark.parametrize("name,data", [("report.docx", b"PK\x03\x04rest"), ("notes", b"plain"), ("t.csv", b"a,b\n")])
def test_unsupported_type(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    _expect(UnsupportedTypeError, path, match="unsupported file type")


def test_pdf_extension_without_pdf_content(tmp_path: Path):
    path = tmp_path / "fake.pdf"
    path.write_bytes("这不是PDF".encode("utf-8"))
    _expect(CorruptFileError, path, match="not a PDF")


def test_encrypted_pdf(tmp_path: Path, text_pdfs):
    src, _ = text_pdfs["000"]
    path = tmp_path / "locked.pdf"
    with pymupdf.open(src) as doc:
        doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    _expect(EncryptedPdfError, path, match="password")


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.9, 0.995])
def test_truncated_pdf_is_corrupt(tmp_path: Path, text_pdfs, keep: float, capfd):
    src, _ = text_pdfs["002"]
    data = src.read_bytes()
    path = tmp_path / f"truncated_{keep}.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    _expect(CorruptFileError, path)
    assert "MuPDF error" not in capfd.readouterr().err


def test_pdf_with_garbage_body_is_corrupt(tmp_path: Path):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    _expect(CorruptFileError, path)


def test_too_many_pages(tmp_path: Path):
    doc = pymupdf.open()
    for _ in range(3):
        doc.new_page()
    path = tmp_path / "three.pdf"
    doc.save(path)
    _expect(TooManyPagesError, path, Settings(max_pdf_pages=2), match="3 pages")
    assert len(ingest.load(path, settings=Settings(max_pdf_pages=3)).pages) == 3


def test_too_many_tiff_frames(tmp_path: Path):
    frames = [Image.new("L", (50, 40), 255) for _ in range(3)]
    path = tmp_path / "three.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    _expect(TooManyPagesError, path, Settings(max_pdf_pages=2), match="3 frames")


def test_pages_render_within_the_pixel_limit():
    page = pymupdf.open().new_page(width=2384, height=3370)  # A0
    pixels = ingest.render_page(page, Settings(max_image_pixels=4_000_000))
    assert pixels.shape[2] == 3 and pixels.shape[0] * pixels.shape[1] <= 4_000_000
    a4 = pymupdf.open().new_page(width=595, height=842)
    assert ingest.render_page(a4, Settings(ocr_dpi=200)).shape == (2339, 1653, 3)


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 255).save(buf, format="PNG")
    return buf.getvalue()


def test_image_over_the_pixel_limit(tmp_path: Path):
    path = tmp_path / "big.png"
    path.write_bytes(_png(400, 300))
    _expect(ImageTooLargeError, path, Settings(max_image_pixels=100_000), match="400x300")


def _forged_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but which carries almost no pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(10_000, 9_000), (60_000, 60_000)], ids=["over-setting", "over-pillow-bomb-limit"])
def test_image_size_is_checked_from_the_header_before_decoding(tmp_path: Path, size):
    # Decoding 90 M or 3.6 G pixels would need gigabytes; the header check refuses them at once.
    path = tmp_path / "forged.png"
    path.write_bytes(_forged_png(*size))
    _expect(ImageTooLargeError, path)


def test_damaged_image_data(tmp_path: Path):
    data = _png(800, 600)
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    _expect(CorruptFileError, path, match="damaged")


def test_image_extension_without_image_content(tmp_path: Path):
    path = tmp_path / "scan.jpg"
    path.write_bytes(b"<html>not found</html>")
    _expect(CorruptFileError, path, match="not a JPG image")


def test_file_over_max_file_bytes(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_bytes("预算".encode("utf-8") * 100)
    _expect(FileTooLargeError, path, Settings(max_file_bytes=100), match="600 bytes")


def test_text_over_max_text_chars(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_bytes("预算".encode("utf-8") * 100)
    _expect(FileTooLargeError, path, Settings(max_text_chars=150), match="200 characters")


# --- Big5 and GB18030 without a BOM --------------------------------------------------------------

# An invented report opening, as a Taiwan or Hong Kong office would type it (traditional characters).
_TRADITIONAL = "某市消防局2022年度部門整體支出績效自評報告\n一、預算執行情況：全年預算數 350.00 萬元，執行率 96.5%。\n"


def test_big5_text_is_detected_and_decoded(tmp_path: Path):
    path = tmp_path / "big5.txt"
    path.write_bytes(_TRADITIONAL.encode("big5"))
    doc = ingest.load(path)
    assert (doc.encoding, doc.text) == ("big5", _TRADITIONAL)


def test_gb18030_text_stays_gb18030_when_big5_also_decodes(tmp_path: Path):
    # Simplified text with a four-byte GB18030 character (𠀀, outside GBK): GB18030 reads it,
    # and a Big5 reading of the same bytes (if any) reads worse.
    text = "某市消防局2022年度部门整体支出绩效自评报告\n全年预算数 350.00 万元，执行率 96.5%。𠀀\n"
    path = tmp_path / "gb.txt"
    path.write_bytes(text.encode("gb18030"))
    doc = ingest.load(path)
    assert (doc.encoding, doc.text) == ("gb18030", text)


def test_undecodable_text_names_every_encoding_tried(tmp_path: Path):
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes(range(128, 256)) * 20)
    with pytest.raises(UndecodableTextError) as info:
        ingest.load(path)
    assert all(f"not {name}" in info.value.reason for name in ("utf-8", "gb18030", "big5"))
