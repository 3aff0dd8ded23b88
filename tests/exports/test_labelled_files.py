"""SPSS and Stata files from our writers, read back by ReadStat (pyreadstat) and, for Stata, by pandas.

The values are chosen to reach every branch of the formats: whole numbers inside and outside SPSS's
one-byte range, fractions, negative numbers, missing numbers and strings, Vietnamese text, strings
longer than SPSS's 255-byte short strings and than Stata's 2,045-byte fixed strings, and several batches.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from instruments.text import Text
from survey.exports.dataset import INTEGER, Variable
from survey.exports.dta import DtaFile
from survey.exports.labelled import Column
from survey.exports.sav import SavFile
from survey.exports.writers import open_writer

pyreadstat = pytest.importorskip("pyreadstat")

LONG = "Cán bộ hướng dẫn rất tận tình, chu đáo; phòng chờ hơi chật. " * 45  # about 3,000 bytes
COLUMNS_DATA = {
    "stratum": ["s0a1b2c3d4e5f", None, "s9", "", "s0a1b2c3d4e5f"],
    "weight": [1.5, 12345.678901234, None, -2.0, 150.0],
    "access_sat": [5, None, 1, 151, -99],
    "big_code": [152, -100, 30000, None, 0],
    "procedure_group": ["Hộ tịch", "Đất đai", None, "Chứng thực", "x" * 300],
    "comment": [LONG, None, "ngắn", "", "Phòng chờ hơi chật"],
}
TYPES = {"access_sat": pa.int16(), "big_code": pa.int16(), "weight": pa.float64()}
LABELS = {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường", 4: "Hài lòng", 5: "Rất hài lòng"}


def columns() -> list[Column]:
    def width(name):
        return max(len(v.encode()) for v in COLUMNS_DATA[name] if v)

    return [
        Column("stratum", "string", "Tầng (tỉnh), mã ẩn danh", width=width("stratum")),
        Column("weight", "real", "Trọng số phân tích"),
        Column("access_sat", "integer", "Ông/Bà hài lòng thế nào với việc tiếp cận dịch vụ? " * 8, LABELS),
        Column("big_code", "integer", "Mã"),
        Column("procedure_group", "string", "Lĩnh vực thủ tục", width=width("procedure_group")),
        Column("comment", "string", "Góp ý", width=width("comment")),
    ]


def batch() -> pa.RecordBatch:
    return pa.record_batch({name: pa.array(values, TYPES.get(name, pa.string()))
                            for name, values in COLUMNS_DATA.items()})


def expected(name: str, sav: bool) -> list[object]:
    values = COLUMNS_DATA[name] * 3
    if name in TYPES:
        return [None if v is None else float(v) for v in values]
    # Both formats write a missing string as an empty one; SPSS pads with spaces, which readers strip.
    return [(v or "").rstrip() if sav else (v or "") for v in values]


def read(path, sav: bool):
    return (pyreadstat.read_sav if sav else pyreadstat.read_dta)(str(path), output_format="dict")


def as_list(column) -> list[object]:
    return [None if isinstance(v, float) and math.isnan(v) else (float(v) if isinstance(v, (int, np.integer))
                                                                  and not isinstance(v, bool) else v)
            for v in (column.tolist() if hasattr(column, "tolist") else column)]


@pytest.mark.parametrize("file_class", [SavFile, DtaFile], ids=["sav", "dta"])
def test_values_labels_and_long_strings_read_back(tmp_path, file_class):
    sav = file_class is SavFile
    path = tmp_path / ("data.sav" if sav else "data.dta")
    written = file_class(path, columns(), 15)
    for _ in range(3):
        written.write(batch())
    written.close()
    data, meta = read(path, sav)
    assert meta.number_rows == 15
    assert list(data) == list(COLUMNS_DATA)
    for name in COLUMNS_DATA:
        assert as_list(data[name]) == expected(name, sav), name
    assert {int(k): v for k, v in meta.variable_value_labels["access_sat"].items()} == LABELS
    assert "big_code" not in meta.variable_value_labels
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["weight"] == "Trọng số phân tích"
    # Labels are cut to the format's limit, never inside a character.
    assert columns()[2].label.startswith(labels["access_sat"])
    assert len(labels["access_sat"].encode()) <= (255 if sav else 320)


def test_stata_file_reads_in_pandas(tmp_path):
    pandas = pytest.importorskip("pandas")
    path = tmp_path / "data.dta"
    written = DtaFile(path, columns(), 10)
    written.write(batch())
    written.write(batch())
    written.close()
    with pandas.io.stata.StataReader(path) as reader:
        frame = reader.read(convert_categoricals=False)
        value_labels = reader.value_labels()
        variable_labels = reader.variable_labels()
    assert len(frame) == 10
    assert frame["comment"].tolist() == [v or "" for v in COLUMNS_DATA["comment"]] * 2
    assert [None if pandas.isna(v) else float(v) for v in frame["big_code"]] == [
        None if v is None else float(v) for v in COLUMNS_DATA["big_code"]] * 2
    assert value_labels["access_sat"] == LABELS
    assert variable_labels["stratum"] == "Tầng (tỉnh), mã ẩn danh"


def test_spss_file_is_compressed(tmp_path):
    """Small whole numbers take one byte: a file of 1-5 answers is far smaller than 8 bytes a value."""
    ratings = pa.array(np.tile(np.arange(1, 6, dtype=np.int16), 20_000))
    path = tmp_path / "ratings.sav"
    written = SavFile(path, [Column("access_sat", "integer", "Tiếp cận", LABELS)], len(ratings))
    written.write(pa.record_batch({"access_sat": ratings}))
    written.close()
    assert path.stat().st_size < 8 * len(ratings) / 4
    data, _ = read(path, sav=True)
    assert np.array_equal(np.asarray(data["access_sat"]), ratings.to_numpy().astype(float))


def test_stata_refuses_names_it_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="not a valid Stata variable name"):
        DtaFile(tmp_path / "bad.dta", [Column("1st-item", "integer", "x")], 0)
    assert not (tmp_path / "bad.dta").exists()


@pytest.mark.parametrize(("file_format", "name"), [("dta", "a" * 33), ("sav", "b" * 65)])
def test_a_name_the_format_cannot_hold_is_refused_before_any_row(tmp_path, file_format, name):
    """Instrument item codes may have up to 40 characters; Stata takes 32, SPSS 64 bytes."""
    path = tmp_path / f"data.{file_format}"
    with pytest.raises(ValueError, match="not a valid"):
        open_writer(file_format, path, [Variable(name, INTEGER, Text("x", "x"))])
    assert list(tmp_path.iterdir()) == []
