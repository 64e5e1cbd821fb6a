# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The markdown tables the tools print and write (results, demo, GPU
measurement): prettytable, as mmseg's ``IoUMetric`` builds its table, in
prettytable's markdown style."""
from typing import Any, Optional, Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]],
                   left: int = 1,
                   align: Optional[Sequence[str]] = None) -> str:
    """A GitHub markdown table (prettytable's ``TableStyle.MARKDOWN``).

    Args:
        header: Column names (distinct: prettytable keys columns by name).
        rows: Rows of cells, already formatted (``str()`` is applied).
        left: How many leading columns are left-aligned (names, labels);
            the others are right-aligned (numbers).
        align: ``'l'`` or ``'r'`` per column, instead of ``left``.

    Returns:
        The table, one line a row, no trailing newline.

    Raises:
        ValueError: A row whose length is not the header's (says which),
            or an ``align`` that is not one ``'l'``/``'r'`` per column.
    """
    from prettytable import PrettyTable, TableStyle

    if align is None:
        align = ['l' if i < left else 'r' for i in range(len(header))]
    elif len(align) != len(header) or set(align) - {'l', 'r'}:
        raise ValueError(f"align needs 'l' or 'r' for each of the "
                         f'{len(header)} columns, got {list(align)!r}')
    table = PrettyTable([str(h) for h in header])
    table.set_style(TableStyle.MARKDOWN)
    for name, side in zip(table.field_names, align):
        table.align[name] = side
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f'row {i} has {len(row)} cells, the header '
                             f'{len(header)}: {list(row)!r}')
        table.add_row([str(cell) for cell in row])
    return table.get_string()
