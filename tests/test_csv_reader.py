"""Reading CSV files: what real uploads look like, and one clear sentence for every one that can't be used."""

import gzip
import io
import pickle
import re

import numpy as np
import pytest

from cedash.data.csv_reader import InvalidRowsError, guess_target, read_csv
from cedash.data.dataset import DataError, Dataset
from cedash.limits import Limits

SIMPLE = b"x1,x2,label\n1,2,0\n3,4,1\n5,6,0\n"


def fails(source, match, **kwargs):
    """Read ``source`` expecting a DataError matching ``match``; the message must be a single sentence."""
    with pytest.raises(DataError, match=match) as info:
        read_csv(source, **kwargs)
    message = str(info.value)
    assert "\n" not in message and not message.endswith(".")
    assert not re.search(r"\.\s+[A-Z]", message), "more than one sentence"
    return info.value


def assert_simple(data):
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(data.y, [0, 1, 0])
    assert data.feature_names == ("x1", "x2")
    assert data.target_name == "label"


# -- sources ---------------------------------------------------------------------------------------------------------


def test_reads_bytes():
    data = read_csv(SIMPLE)
    assert isinstance(data, Dataset)
    assert_simple(data)
    assert data.y.dtype == np.int64
    assert data.notes == ()


def test_reads_text():
    assert_simple(read_csv(SIMPLE.decode()))


def test_reads_a_path_given_as_str_or_path_and_names_the_data_after_the_file(tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(SIMPLE)
    assert_simple(read_csv(path))
    data = read_csv(str(path))
    assert_simple(data)
    assert data.name == "points.csv"
    assert read_csv(path, name="mine").name == "mine"


def test_reads_an_uploaded_file_object():
    upload = io.BytesIO(SIMPLE)
    upload.name = "upload.csv"
    upload.read()  # an upload that was already read once is read again from the start
    data = read_csv(upload)
    assert_simple(data)
    assert data.name == "upload.csv"


def test_reads_a_stream_that_cannot_rewind():
    # Like a pipe: read() works, seek() raises.
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self.inner.readinto(buffer)

    pipe = io.BufferedReader(Pipe(SIMPLE))
    assert not pipe.seekable()
    assert_simple(read_csv(pipe))


def test_a_missing_path_says_so(tmp_path):
    fails(str(tmp_path / "nope.csv"), r"there is no file '.*nope\.csv'; check the path")


def test_a_folder_is_not_a_file(tmp_path):
    fails(tmp_path, r"is a folder, not a file; give the path of a CSV file")


def test_an_unsupported_source_type():
    fails(12345, r"cannot read data from a int; give the file's bytes, text or path")


# -- parsing ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_detects_the_delimiter(delimiter):
    assert_simple(read_csv(SIMPLE.replace(b",", delimiter.encode())))


def test_semicolons_with_decimal_commas_as_european_excel_writes_them():
    data = read_csv(b"a;b;label\n1,5;-2,25;x\n3,0;4;y\n")
    np.testing.assert_array_equal(data.X, [[1.5, -2.25], [3.0, 4.0]])


def test_commas_inside_quoted_values_do_not_fool_the_delimiter_detection():
    data = read_csv(b'x;y;label\n1;2;"cat, black"\n3;4;"dog, white, big"\n')
    assert data.feature_names == ("x", "y")
    assert data.y.tolist() == ["cat, black", "dog, white, big"]


def test_utf8_with_a_byte_order_mark():
    data = read_csv(b"\xef\xbb\xbf" + SIMPLE)
    assert_simple(data)
    assert data.notes == ()


def test_windows_1252_falls_back_with_a_note():
    data = read_csv("temp °C,€,label\n1,2,0\n3,4,1\n".encode("cp1252"))
    assert data.feature_names == ("temp °C", "€")
    assert data.notes == ("the file is not UTF-8, so it was read as Windows-1252 text",)


def test_utf16_as_excels_unicode_text_export():
    data = read_csv(SIMPLE.decode().replace(",", "\t").encode("utf-16"))
    assert_simple(data)


def test_quoted_numbers_white_space_and_windows_line_endings():
    raw = b' "x1" , x2 ,  label \r\n "1" , 2 ,0\r\n3,"4", 1 \r\n  5 ,6,"0"\r\n'
    assert_simple(read_csv(raw))


def test_old_mac_line_endings():
    assert_simple(read_csv(SIMPLE.replace(b"\n", b"\r")))


def test_blank_lines_and_empty_spreadsheet_rows_are_skipped():
    raw = b"\n\nx1;x2;label\n\n1;2;0\n;;\n3;4;1\n   \n5;6;0\n;;\n;;\n\n"
    assert_simple(read_csv(raw))


def test_a_delimiter_at_the_end_of_every_line_is_ignored():
    assert_simple(read_csv(b"x1,x2,label,\n1,2,0,\n3,4,1,\n5,6,0,\n"))


def test_a_value_may_span_lines_inside_quotes():
    data = read_csv(b'x,y,label\n1,2,"two\nlines"\n2,3,"one"\n')
    assert data.y.tolist() == ["two\nlines", "one"]
    np.testing.assert_array_equal(data.X, [[1, 2], [2, 3]])


def test_numbers_in_every_notation():
    data = read_csv(b"x,y,label\n1e3,-0.5,0\n+2,.25,1\n1_0,1E-2,0\n".replace(b"1_0", b"10"))
    np.testing.assert_array_equal(data.X, [[1000, -0.5], [2, 0.25], [10, 0.01]])


def test_true_false_feature_columns_become_one_and_zero():
    data = read_csv(b"x,flag,label\n1,true,0\n2,False,1\n3,TRUE,0\n")
    np.testing.assert_array_equal(data.X[:, 1], [1, 0, 1])


def test_floats_survive_exactly():
    values = [0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308, 5e-324]
    text = "x,label\n" + "".join(f"{v!r},{i % 2}\n" for i, v in enumerate(values))
    np.testing.assert_array_equal(read_csv(text).X[:, 0], values)


# -- target and labels ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["a", "b", "label"], "label"),
        (["Label", "a", "b"], "Label"),
        (["a", "TARGET", "b"], "TARGET"),
        (["class", "a", "b"], "class"),
        (["a", "Y", "b"], "Y"),
        (["y", "class", "target", "label"], "label"),  # label is preferred over the others
        (["a", "b", "c"], "c"),
        ([" label ", "b"], " label "),
    ],
)
def test_guess_target(columns, expected):
    assert guess_target(columns) == expected


def test_guess_target_of_no_columns():
    with pytest.raises(DataError, match="no columns to choose a target from"):
        guess_target([])


def test_the_default_target_is_a_label_column_even_when_it_is_not_last():
    data = read_csv(b"Class,x1,x2\na,1,2\nb,3,4\n")
    assert data.target_name == "Class"
    assert data.feature_names == ("x1", "x2")


def test_the_default_target_is_otherwise_the_last_column():
    assert read_csv(b"p,q,r\n1,2,0\n3,4,1\n").target_name == "r"


def test_the_user_chooses_the_target_in_any_case():
    data = read_csv(SIMPLE, target="X1")
    assert data.target_name == "x1"
    assert data.feature_names == ("x2", "label")
    np.testing.assert_array_equal(data.y, [1, 3, 5])


def test_a_target_that_does_not_exist_names_the_columns():
    fails(SIMPLE, r"there is no column called 'colour'; the columns are 'x1', 'x2', 'label'$", target="colour")


@pytest.mark.parametrize(
    ("labels", "expected", "kind"),
    [
        (["0", "1", "0"], [0, 1, 0], "i"),
        (["1", "2", "2"], [1, 2, 2], "i"),
        (["1.0", "2", " 2 "], [1, 2, 2], "i"),
        (["-1", "1", "-1"], [-1, 1, -1], "i"),
        ([" cat", "dog ", "cat"], ["cat", "dog", "cat"], "U"),
        (["True", "false", "TRUE"], [True, False, True], "b"),
        (["0.5", "1.5", "0.5"], [0.5, 1.5, 0.5], "f"),
        (["a", "1", "a"], ["a", "1", "a"], "U"),
    ],
)
def test_labels_of_any_kind_are_kept_as_given(labels, expected, kind):
    text = "x,label\n" + "".join(f"{i},{lab}\n" for i, lab in enumerate(labels))
    data = read_csv(text)
    assert data.y.tolist() == expected
    assert data.y.dtype.kind == kind


# -- bad input: one sentence each -------------------------------------------------------------------------------------


def test_an_empty_file():
    fails(b"", r"^the file is empty; upload a CSV file with a header line and rows of data$")


def test_a_file_of_blank_lines():
    fails(b" \r\n\n\t\n", r"^the file is empty")


def test_only_a_header():
    fails(b"x1,x2,label\n", r"^the file has a header line but no data rows; add rows of data below the header$")


def test_only_a_header_and_empty_rows():
    fails(b"x1;x2;label\n;;\n;;\n", r"^the file has a header line but no data rows")


def test_only_one_column():
    fails(b"label\n0\n1\n", r"^the file has only one column \('label'\); it needs feature columns and a target column")


def test_only_one_column_after_a_trailing_delimiter():
    fails(b"label,\n0,\n1,\n", r"^the file has only one column \('label'\)")


def test_an_unsupported_delimiter_reads_as_one_column():
    fails(b"x1|x2|label\n1|2|0\n", r"only one column \('x1\|x2\|label'\).*separated by commas, semicolons or tabs$")


def test_a_single_class():
    fails(
        b"x,label\n1,spam\n2, spam\n", r"^the target column 'label' holds only one class \('spam'\); a classifier needs"
    )


def test_a_non_numeric_feature_column():
    err = fails(
        b"x,colour,label\n1,red,0\n2,blue,1\n3,red,0\n",
        r"^column 'colour' must hold numbers to be a feature, but line 2 has 'red' and 2 others; fix the values, "
        r"remove the column, or choose it as the target$",
        drop_invalid_rows=False,
    )
    assert type(err) is DataError


def test_one_bad_number_names_its_line():
    fails(
        b"x,y,label\n1,2,0\n2,3..5,1\n",
        r"^column 'y' must hold numbers to be a feature, but line 3 has '3\.\.5';",
        features=["x", "y"],
    )


def test_code_in_a_cell_is_only_ever_text():
    fails(
        b"x,y,label\n1,__import__('os').system('false'),0\n",
        r"line 2 has \"__import__\('os'\)\.system\('fa\.\.\.\";",
        drop_invalid_rows=False,
    )


def test_a_column_with_no_values():
    fails(
        b"x,empty,label\n1,,0\n2,,1\n",
        r"^column 'empty' has no values; fill it in or remove the column$",
        features=["x", "empty"],
    )


MISSING = b"x,y,label\n1,,0\n2,3,1\n4,NA,0\n5,6,\n7,8,1\n9,10,0\n"


def test_missing_values_say_how_many_and_where():
    err = fails(
        MISSING,
        r"^3 of 6 rows have missing values, on lines 2, 4 and 5 in columns 'y', 'label'; "
        r"fill them in, or drop those rows$",
        drop_invalid_rows=False,
    )
    assert isinstance(err, InvalidRowsError)
    assert (err.n_rows, err.lines) == (3, (2, 4, 5))


def test_one_missing_value():
    fails(
        b"x,y,label\n1,2,0\n3,,1\n",
        r"^1 row has a missing value, on line 3 in column 'y'; fill it in, or drop that row$",
        drop_invalid_rows=False,
    )


def test_infinite_values():
    fails(
        b"x,y,label\n1,inf,0\n2,3,1\n-Infinity,1e999,0\n",
        r"^2 of 3 rows have infinite values, on lines 2 and 4 in",
        drop_invalid_rows=False,
    )


def test_missing_and_infinite_values_together():
    fails(
        b"x,label\n1,0\n,1\ninf,0\n2,1\n",
        r"^2 of 4 rows have missing or infinite values, on lines 3 and 4 in column 'x'",
        drop_invalid_rows=False,
    )


def test_many_missing_values_list_the_first_five_lines():
    text = "x,label\n" + "".join(f"{'' if i % 2 else i},{i % 3}\n" for i in range(40))
    fails(
        text,
        r"^20 of 40 rows have missing values, on lines 3, 5, 7, 9, 11 and 15 more in column 'x'",
        drop_invalid_rows=False,
    )


def test_line_numbers_count_blank_lines_and_quoted_line_breaks():
    # The header is line 1; a value spanning lines 3-4 and a blank line 5 come before the bad row on line 6.
    raw = b'x,y,label\n1,2,"a"\n2,3,"two\nlines"\n\n,4,a\n'
    fails(raw, r"^1 row has a missing value, on line 6 in column 'x'", drop_invalid_rows=False)


def test_line_numbers_count_leading_blank_lines():
    fails(b"\n\nx,label\n1,0\n,1\n", r"on line 5 in column 'x'", drop_invalid_rows=False)


def test_dropping_invalid_rows_is_an_explicit_choice_that_leaves_a_note():
    data = read_csv(MISSING, drop_invalid_rows=True)
    np.testing.assert_array_equal(data.X, [[2, 3], [7, 8], [9, 10]])
    np.testing.assert_array_equal(data.y, [1, 1, 0])
    assert data.notes == ("dropped 3 rows with missing values (lines 2, 4 and 5)",)


def test_dropping_every_row_leaves_nothing_to_train_on():
    fails(b"x,y,label\n1,,0\n,3,1\n", r"^every row has a missing value, so none is left", drop_invalid_rows=True)


def test_too_many_fields_on_a_row():
    fails(
        b"x,y,label\n1,2,0\n3,4,5,1\n",
        r"^line 3 has 4 fields but the header has 3; check that line for a missing or extra comma, "
        r"and quote values that contain one$",
    )


def test_too_few_fields_on_a_row():
    fails(
        b"x;y;label\n1;2;0\n3;1\n",
        r"^line 3 has 2 fields but the header has 3; check that line for a missing or extra semi",
    )


def test_wrong_field_count_after_a_quoted_line_break():
    fails(b'x,y,label\n"1\n",2,0\n3,4\n', r"^line 4 has 2 fields but the header has 3")


def test_a_quote_that_is_never_closed():
    fails(
        b'x,y,label\n1,2,0\n3,"4,1\n5,6,0\n',
        r'^the quote \("\) opened on line 3 is never closed; close it or remove it$',
    )


def test_a_quote_never_closed_that_swallows_the_right_number_of_fields():
    fails(b'x,y,label\n1,2,0\n3,4,"1\n', r"opened on line 3 is never closed")


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (
            bytes(range(256)) * 2,
            r"^the file is not text \(byte 1 is a zero byte\); upload a CSV file saved as plain text$",
        ),
        (b"x,y\n1,2\x00\n", r"byte 8 is a zero byte"),
        (b"PK\x03\x04\x14\x00\x06\x00", r"looks like an Excel workbook or another zip archive; save the sheet as CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", r"looks like an old-style Excel workbook"),
        (gzip.compress(SIMPLE), r"looks like gzip-compressed; decompress it first"),
        (pickle.dumps({"x": [1, 2]}), r"looks like a Python pickle, which cedash never opens"),
        (b"%PDF-1.7\n", r"looks like a PDF document"),
        (b"\x89PNG\r\n\x1a\n", r"looks like a PNG image"),
        (b"x,y,label\n1,2,\x07\n", r"^the file does not look like text \(line 2 holds the control character U\+0007\)"),
        (
            b"x,y,label\n1,2,\x81\x81\x81\x9d\n",
            r"does not look like text \(line 2 holds the control character U\+0081\)",
        ),
    ],
)
def test_files_that_are_not_text(raw, match):
    fails(raw, match)


def test_text_with_lone_surrogates():
    fails("x,label\n1,\ud800\n", r"characters that are not valid Unicode; save it again as UTF-8")


def test_too_many_distinct_target_values():
    text = "x,price\n" + "".join(f"{i},{i * 1.5}\n" for i in range(30))
    fails(
        text, r"^the target column 'price' has 30 different values, more than the 20 classes allowed; choose a column"
    )


def test_the_class_limit_is_configurable():
    text = "x,label\n1,a\n2,b\n3,c\n"
    fails(text, r"3 different values, more than the 2 classes allowed", limits=Limits(max_classes=2))
    assert len(read_csv(text, limits=Limits(max_classes=3)).classes) == 3


def test_duplicate_column_names():
    fails(
        b"x,y, x ,label\n1,2,3,0\n", r"^the column name 'x' appears twice in the header \(columns 1 and 3\); rename one"
    )


def test_a_column_without_a_name():
    fails(
        b"x,,label\n1,2,0\n3,4,1\n",
        r"^column 2 has no name in the header line; give it a name, or delete it if it is a row",
    )


def test_a_header_of_empty_names():
    fails(b",,\n1,2,0\n3,4,1\n", r"^the first line holds no column names; add a header line such as x1,x2,label$")


def test_a_missing_header_line():
    fails(b"1,2,0\n3,4,1\n", r"^the first line holds numbers \(1, 2, 0, \.\.\.\) instead of column names; add a header")


def test_more_bytes_than_the_limit(tmp_path):
    small = Limits(max_upload_bytes=20)
    fails(SIMPLE, r"^the file is 30 bytes, over the limit of 20 bytes; upload a sample of its rows$", limits=small)
    path = tmp_path / "big.csv"
    path.write_bytes(b"x,label\n" + b"1,0\n" * 500_000)
    fails(path, r"^the file is 2\.0 MB, over the limit of 1\.0 MB", limits=Limits(max_upload_bytes=1_000_000))


def test_more_rows_than_the_limit():
    fails(
        SIMPLE,
        r"^the file has more than 2 data rows, the limit; upload a sample of its rows$",
        limits=Limits(max_rows=2),
    )
    assert read_csv(SIMPLE, limits=Limits(max_rows=3)).n_samples == 3


def test_more_rows_than_the_limit_with_quotes():
    fails(b'"x",label\n1,0\n2,1\n3,0\n', r"more than 2 data rows", limits=Limits(max_rows=2))


def test_more_columns_than_the_limit():
    fails(SIMPLE, r"^the file has 3 columns, more than the limit of 2; keep only the columns you need$",
          limits=Limits(max_columns=2))  # fmt: skip
