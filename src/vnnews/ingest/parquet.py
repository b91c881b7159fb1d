"""Parquet rows under the same per-record byte budget as a JSONL line, checked before
any row becomes Python objects.

A Parquet file is a container that can multiply its size twice over: a compressed page
expands (zstd makes 50 MB of one letter a few kilobytes), and a dictionary-encoded column
repeats one stored value on every row (200 rows of one 50 MB string cost 10 GB once
decoded, from a 2.7 KB file). So:

- before a row group is read, each column chunk's uncompressed size is compared with
  its compressed size (from the footer): past ``MAX_RATIO`` to one, and bigger than one
  record's budget, the group is a decompression bomb and is not read (one error);
- string and binary columns are read as dictionaries, so a repeated value stays one
  value in memory, and every row's byte size is computed from Arrow's lengths;
- a row over the budget is one error naming its row; the others are decoded a few at a
  time (at most about two budgets of values at once).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_RATIO = 1000  # uncompressed : compressed bytes of one column chunk; real text stays far below 50
BATCH_ROWS = 64


def value_bytes(array: Any) -> Any:
    """Bytes each element of an Arrow array holds once decoded (strings and binaries by
    length, lists and structs summed over their values, dictionaries through their
    indices), as a numpy array: no value is copied out of Arrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(array)
    kind = array.type
    if pa.types.is_dictionary(kind):
        sizes = value_bytes(array.dictionary)
        indices = array.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        out = sizes[indices] if len(sizes) else np.zeros(n)
        return np.where(array.is_null().to_numpy(zero_copy_only=False), 0, out)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return pc.binary_length(array).fill_null(0).to_numpy(zero_copy_only=False).astype(np.float64)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind) or pa.types.is_map(kind):
        values = array.flatten()
        if not len(values):
            return np.zeros(n)
        parents = pc.list_parent_indices(array).to_numpy(zero_copy_only=False)
        return np.bincount(parents, weights=value_bytes(values), minlength=n).astype(np.float64)
    if pa.types.is_struct(kind):
        total = np.zeros(n)
        for field in array.flatten():
            total += value_bytes(field)
        return total
    width = getattr(kind, "bit_width", 64) or 64
    return np.full(n, max(1, width // 8), dtype=np.float64)


def _byte_array_columns(parquet_file: Any) -> list[str]:
    return [column.path for column in parquet_file.schema if column.physical_type == "BYTE_ARRAY"]


def bomb(rows: Any, group: int, first_row: int, max_record_bytes: int) -> str | None:
    """Why row group ``group`` (``rows``: its footer metadata; ``first_row``: its first row) is not
    read: a column chunk that expands past ``MAX_RATIO`` to one and past one record's
    budget would decompress a bomb into memory. None for a group to read."""
    for c in range(rows.num_columns):
        chunk = rows.column(c)
        packed, unpacked = max(1, chunk.total_compressed_size), chunk.total_uncompressed_size
        if unpacked > max_record_bytes and unpacked > MAX_RATIO * packed:
            return (
                f"row group {group} (rows {first_row}-{first_row + rows.num_rows - 1}) not read: column {chunk.path_in_schema} expands "
                f"{unpacked // packed:,} to one ({unpacked:,} bytes from {packed:,}), a decompression bomb"
            )
    return None


def _decoded(batch: Any, first: int) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(row number, row, None) for each row of a record batch; (row number, None, cause)
    for a row whose values Python cannot hold (a timestamp out of range, ...)."""
    try:
        yield from ((first + i, row, None) for i, row in enumerate(batch.to_pylist()))
        return
    except (ValueError, OverflowError, TypeError, ArithmeticError) as exc:
        failed = exc
    for i in range(batch.num_rows):  # row by row, to find the bad ones
        try:
            yield first + i, batch.slice(i, 1).to_pylist()[0], None
        except (ValueError, OverflowError, TypeError, ArithmeticError) as exc:
            yield first + i, None, f"a value Python cannot read: {type(exc).__name__}: {exc or failed}"


def iter_rows(path: str | Path, max_record_bytes: int | None) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(row number from 1, the row as a dict, None) for every row of the file, in order;
    (row, None, cause) for a row over ``max_record_bytes`` once decoded or one Python
    cannot hold, and for the first row of a row group refused as a bomb. Memory holds
    one batch of Arrow data (repeated strings once) and at most about two budgets of
    decoded rows."""
    import pyarrow.parquet as pq

    from vnnews.ingest.remote import is_remote, open_input

    if isinstance(path, str) and is_remote(path):  # a remote file: read through one seekable stream, a block at a time
        with open_input(path) as stream:
            yield from _rows(pq.ParquetFile(stream, read_dictionary=_byte_array_columns(pq.ParquetFile(stream)), buffer_size=1 << 20, pre_buffer=False), max_record_bytes)
        return
    # buffered reads: a column chunk is read a megabyte at a time, not whole (800 MB for 20 big rows)
    yield from _rows(pq.ParquetFile(path, read_dictionary=_byte_array_columns(pq.ParquetFile(path)), buffer_size=1 << 20, pre_buffer=False), max_record_bytes)


def _rows(parquet_file: Any, max_record_bytes: int | None) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    metadata = parquet_file.metadata
    row = 0
    for group in range(metadata.num_row_groups):
        rows = metadata.row_group(group)
        batch_rows = BATCH_ROWS
        if max_record_bytes is not None:
            refused = bomb(rows, group, row + 1, max_record_bytes)
            if refused:
                yield row + 1, None, refused
                row += rows.num_rows
                continue
            mean = rows.total_byte_size / max(1, rows.num_rows)  # a batch in Arrow holds about two budgets, whatever the rows' size
            batch_rows = max(1, min(BATCH_ROWS, int(2 * max_record_bytes // max(mean, 1.0))))
        for batch in parquet_file.iter_batches(batch_size=batch_rows, row_groups=[group]):
            if max_record_bytes is None or not batch.num_columns:
                yield from _decoded(batch, row + 1)
                row += batch.num_rows
                continue
            sizes = value_bytes(batch.column(0))
            for column in batch.columns[1:]:
                sizes = sizes + value_bytes(column)
            start = 0  # decode runs of rows under the budget, about two budgets at a time
            while start < batch.num_rows:
                if sizes[start] > max_record_bytes:
                    yield row + start + 1, None, f"a row of {int(sizes[start]):,} bytes once decoded, over max_page_bytes ({max_record_bytes:,})"
                    start += 1
                    continue
                end, held = start, 0.0
                while end < batch.num_rows and sizes[end] <= max_record_bytes and (end == start or held + sizes[end] <= 2 * max_record_bytes):
                    held += sizes[end]
                    end += 1
                yield from _decoded(batch.slice(start, end - start), row + start + 1)
                start = end
            row += batch.num_rows


__all__ = ["MAX_RATIO", "bomb", "iter_rows", "value_bytes"]
