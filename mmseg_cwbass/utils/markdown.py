# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The markdown tables the tools print and write (results, demo, GPU
measurement): prettytable, as mmseg's ``IoUMetric`` builds its table, in
prettytable's markdown style."""
from typing import Any, Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]],
                   left: int = 1) -> str:
    """A GitHub markdown table (prettytable's ``TableStyle.MARKDOWN``).

    Args:
        header: Column names (distinct: prettytable keys columns by name).
        rows: Rows of cells, already formatted (``str()`` is applied).
        left: How many leading columns are left-aligned (names, labels);
            the others are right-aligned (numbers).

    Returns:
        The table, one line a row, no trailing newline.

    Raises:
        ValueError: A row whose length is not the header's (says which).
    """
    from prettytable import PrettyTable, TableStyle

    table = PrettyTable([str(h) for h in header])
    table.set_style(TableStyle.MARKDOWN)
    for i, name in enumerate(table.field_names):
        table.align[name] = 'l' if i < left else 'r'
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f'row {i} has {len(row)} cells, the header '
                             f'{len(header)}: {list(row)!r}')
        table.add_row([str(cell) for cell in row])
    return table.get_string()
