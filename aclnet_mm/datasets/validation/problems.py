# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Problems found in skeleton data, and the report that lists them."""
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional

__all__ = ['PROBLEM_KINDS', 'Problem', 'ValidationReport']

# kind -> what it means, in the order the summary prints them.
PROBLEM_KINDS = {
    'not_pickle': 'the file cannot be read as a pickle',
    'bad_structure': 'the top level is not the PoseDataset dict',
    'missing_key': 'a required key is absent',
    'wrong_type': 'a value has the wrong type or dtype',
    'bad_shape': 'an array has the wrong number of dimensions or shape',
    'layout_mismatch': 'joint count differs from the graph layout',
    'dim_mismatch': '2D / 3D coordinates or score channels are confused',
    'channel_mismatch': 'data channels differ from the backbone in_channels',
    'non_finite': 'NaN or inf values',
    'empty_sequence': 'no person or no frame',
    'frames_mismatch': 'total_frames differs from the keypoint frames',
    'label_range': 'label outside [0, num_classes)',
    'unknown_split': 'the requested split name is not in the file',
    'split_missing_id': 'a split lists an id with no annotation',
    'duplicate_id': 'two annotations share an id',
    'empty_split': 'a split (or the annotation list) is empty',
    'missing_file': 'an annotation or per-sample skeleton file is absent',
    'config': 'the config cannot be read for expectations',
    'bad_img_shape': 'img_shape is not a pair of positive ints (H, W)',
    'mixed_dims': 'one file mixes 2D and 3D samples',
    'mixed_joints': 'one file mixes samples with different joint counts',
    'mixed_score': 'one 2D file mixes samples with and without scores',
    'split_overlap': 'an id is in both a training and a test split',
    'unknown_layout': 'a layout name (graph or pipeline) is not registered',
    'unsupported_stream': 'a feature stream the transform or layout cannot '
    'build',
    'layout_conflict': 'the pipeline and the graph name different layouts',
}

# Kinds other modules register (plausibility), listed after these.
MORE_PROBLEM_KINDS = {}


@dataclass
class Problem:
    """One problem found in a pickle.

    Args:
        kind (str): A key of :data:`PROBLEM_KINDS`.
        message (str): What is wrong and how to fix it.
        file (str): The pickle (or per-sample file).
        sample (str, optional): The sample id. Defaults to None.
        field (str, optional): The key of the sample or file. Defaults to
            None.
        index (int, optional): Position in ``annotations``. Defaults to
            None.
    """
    kind: str
    message: str
    file: str
    sample: Optional[str] = None
    field: Optional[str] = None
    index: Optional[int] = None

    def __str__(self) -> str:
        where = self.file
        if self.sample is not None:
            where += f' | sample {self.sample!r}'
        if self.field is not None:
            where += f' | field {self.field!r}'
        return f'[{self.kind}] {where}: {self.message}'


class ValidationReport:
    """All problems found in one pickle.

    Args:
        file (str): The checked file.
        problems (Iterable[Problem]): The problems. Defaults to ().
        num_samples (int): Number of samples checked. Defaults to 0.
    """

    def __init__(self,
                 file: str,
                 problems: Iterable[Problem] = (),
                 num_samples: int = 0) -> None:
        self.file = file
        self.problems = list(problems)
        self.num_samples = num_samples

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def counts(self) -> Counter:
        """Number of problems per kind."""
        return Counter(p.kind for p in self.problems)

    def bad_indices(self) -> set:
        """Positions of the annotations with a sample-level problem."""
        return {p.index for p in self.problems if p.index is not None}

    def format(self, max_per_kind: Optional[int] = None) -> str:
        """Human-readable listing, then a count per kind.

        Args:
            max_per_kind (int, optional): Print at most this many problems
                of each kind (all are counted). Defaults to None (all).

        Returns:
            str: The report.
        """
        lines, shown = [], Counter()
        for problem in self.problems:
            shown[problem.kind] += 1
            if max_per_kind is None or shown[problem.kind] <= max_per_kind:
                lines.append(str(problem))
        counts = self.counts()
        if not counts:
            lines.append(f'{self.file}: OK, {self.num_samples} samples '
                         'checked')
            return '\n'.join(lines)
        lines.append(f'{self.file}: {len(self.problems)} problem(s) in '
                     f'{self.num_samples} samples checked')
        for kind in {**PROBLEM_KINDS, **MORE_PROBLEM_KINDS}:
            if counts[kind]:
                hidden = ''
                if max_per_kind is not None and counts[kind] > max_per_kind:
                    hidden = f' ({counts[kind] - max_per_kind} not shown)'
                meaning = PROBLEM_KINDS.get(kind) or MORE_PROBLEM_KINDS[kind]
                lines.append(f'  {kind}: {counts[kind]}{hidden}  '
                             f'({meaning})')
        return '\n'.join(lines)
