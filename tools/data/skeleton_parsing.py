# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Line-aware text reading shared by the raw-skeleton converters.

Every error names the file, the 1-based line and the field being read, so
that one corrupt file among tens of thousands can be found and fixed.
"""
import os
from typing import Callable, List, Optional, Sequence, Union

import numpy as np

__all__ = ['SkeletonFormatError', 'LineReader', 'ConversionResult']


class SkeletonFormatError(ValueError):
    """A raw skeleton or label file that does not follow its format.

    Args:
        file (str): The offending file.
        message (str): What is wrong.
        line (int, optional): 1-based line number. Defaults to None.
        field (str, optional): The field being read. Defaults to None.
    """

    def __init__(self,
                 file: str,
                 message: str,
                 line: Optional[int] = None,
                 field: Optional[str] = None) -> None:
        self.file = str(file)
        self.line = line
        self.field = field
        self.message = message
        where = self.file
        if line is not None:
            where += f', line {line}'
        if field is not None:
            where += f', field {field!r}'
        super().__init__(f'{where}: {message}')


class LineReader:
    """Read a text file line by line, parsing whitespace-separated numbers.

    Args:
        file (str | os.PathLike): The file to read.
    """

    def __init__(self, file: Union[str, os.PathLike]) -> None:
        self.file = str(file)
        with open(file, 'r') as f:
            self.lines = f.read().splitlines()
        self.lineno = 0  # number of lines consumed

    def error(self, message: str, field: Optional[str] = None):
        """A :class:`SkeletonFormatError` at the last line read."""
        return SkeletonFormatError(
            self.file, message, line=max(self.lineno, 1), field=field)

    def next_values(self,
                    field: str,
                    count: Optional[int] = None,
                    cast: Callable = float) -> List:
        """Parse the next line as ``count`` values of type ``cast``.

        Args:
            field (str): Name of what the line holds, for error messages.
            count (int, optional): The exact number of values expected.
                Defaults to None (any number).
            cast (callable): ``int`` or ``float``. Defaults to ``float``.

        Returns:
            list: The parsed values.
        """
        if self.lineno >= len(self.lines):
            self.lineno = len(self.lines) + 1
            raise self.error('unexpected end of file', field)
        tokens = self.lines[self.lineno].split()
        self.lineno += 1
        if count is not None and len(tokens) != count:
            raise self.error(
                f'expected {count} value(s), found {len(tokens)}: '
                f'{self.lines[self.lineno - 1].strip()[:80]!r}', field)
        try:
            return [cast(t) for t in tokens]
        except ValueError:
            raise self.error(
                f'cannot read {cast.__name__} values from '
                f'{self.lines[self.lineno - 1].strip()[:80]!r}',
                field) from None

    def next_int(self, field: str) -> int:
        """Parse the next line as a single non-negative integer."""
        value = self.next_values(field, 1, int)[0]
        if value < 0:
            raise self.error(f'negative count {value}', field)
        return value

    def expect_end(self) -> None:
        """Fail when anything but blank lines is left."""
        for offset, line in enumerate(self.lines[self.lineno:]):
            if line.strip():
                self.lineno += offset + 1
                raise self.error(f'unexpected content after the last frame: '
                                 f'{line.strip()[:80]!r}')


class ConversionResult:
    """What a converter produced and what it left out.

    Args:
        annotations (dict): ``dict(split=..., annotations=[...])``, the
            format of MMAction2's ``PoseDataset``.
        ignored (Sequence[str]): Samples skipped on purpose (e.g. on the
            official missing-skeleton list).
        errors (Sequence[SkeletonFormatError]): Malformed inputs skipped
            under ``on_error='skip'``.
    """

    def __init__(
        self,
        annotations: dict,
        ignored: Sequence[str] = (),
        errors: Sequence[SkeletonFormatError] = ()
    ) -> None:
        self.annotations = annotations
        self.ignored = list(ignored)
        self.errors = list(errors)

    def summary(self) -> str:
        """One line per fact: kept samples, split sizes, skips, errors."""
        lines = [f'{len(self.annotations["annotations"])} samples written']
        for name, ids in self.annotations['split'].items():
            lines.append(f'  split {name}: {len(ids)}')
        if self.ignored:
            lines.append(f'{len(self.ignored)} samples ignored on purpose')
        if self.errors:
            lines.append(f'{len(self.errors)} malformed input(s) skipped:')
            lines.extend(f'  {err}' for err in self.errors)
        return '\n'.join(lines)


def as_float32(array: np.ndarray) -> np.ndarray:
    """Contiguous float32 copy, the dtype the converters write."""
    return np.ascontiguousarray(array, dtype=np.float32)
