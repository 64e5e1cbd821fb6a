# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""markdown_table: prettytable's markdown style, names left, numbers right."""
import pytest

from mmseg_cwbass.utils.markdown import markdown_table


def test_table_text():
    table = markdown_table(['method', 'mode', 'mIoU'],
                           [['CW-BASS', 'teacher', 75.5],
                            ['supervised', '-', '7.25']], left=2)
    assert table.splitlines() == [
        '| method     | mode    | mIoU |',
        '| :----------| :-------|----: |',
        '| CW-BASS    | teacher | 75.5 |',
        '| supervised | -       | 7.25 |',
    ]


def test_a_row_of_the_wrong_length_is_named():
    with pytest.raises(ValueError, match=r"row 1 has 1 cells, the header 2"):
        markdown_table(['a', 'b'], [['1', '2'], ['3']])


def test_alignment_per_column():
    """The step benchmark's tables: a text column after the numbers."""
    table = markdown_table(['stage', 'ms', 'what'],
                           [['(a)', '12.35', 'step'], ['(b)', '4.00', 'x']],
                           align='lrl')
    assert table.splitlines() == [
        '| stage |    ms | what |',
        '| :-----|-----: | :----|',
        '| (a)   | 12.35 | step |',
        '| (b)   |  4.00 | x    |',
    ]


@pytest.mark.parametrize('align', ['lr', 'lrx'])
def test_a_bad_alignment_is_named(align):
    with pytest.raises(ValueError, match=r"align needs 'l' or 'r' for each "
                       r'of the 3 columns'):
        markdown_table(['a', 'b', 'c'], [['1', '2', '3']], align=align)
