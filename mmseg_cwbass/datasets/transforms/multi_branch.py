"""Multi-branch packing for teacher/student training.

Geometric transforms run once, before the split, so the views of one sample
are pixel-aligned; each branch then applies its own (photometric) transforms
and packing. Mirrors the role of MMDetection 3.x's ``MultiBranch``.
"""
import copy
from typing import Dict, List, Optional, Sequence

from mmcv.transforms import BaseTransform, Compose
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiBranch(BaseTransform):
    """Run one pipeline per branch on copies of the same (augmented) sample.

    The output is ``{'inputs': {branch: Tensor | None}, 'data_samples':
    {branch: SegDataSample | None}}`` for every name in ``branch_field``;
    branches that this dataset does not feed are ``None`` so that labeled and
    unlabeled samples collate into one batch.

    Args:
        branch_field (Sequence[str]): All branch names used in training,
            e.g. ``['sup', 'unsup_teacher', 'unsup_student']``.
        **branch_pipelines (list[dict]): Pipeline of each branch this dataset
            feeds; each must end with a packing transform.
    """

    def __init__(self, branch_field: Sequence[str],
                 **branch_pipelines: List[dict]) -> None:
        unknown = set(branch_pipelines) - set(branch_field)
        if unknown:
            raise ValueError(f'branches {sorted(unknown)} are not listed in '
                             f'branch_field={list(branch_field)}')
        if not branch_pipelines:
            raise ValueError('MultiBranch needs at least one branch pipeline')
        self.branch_field = list(branch_field)
        self.branch_pipelines = {
            name: Compose(pipeline)
            for name, pipeline in branch_pipelines.items()
        }

    def transform(self, results: dict) -> Optional[Dict[str, dict]]:
        """Apply every branch pipeline to a copy of ``results``.

        Args:
            results (dict): Result dict after the shared transforms.

        Returns:
            dict | None: ``{'inputs': {...}, 'data_samples': {...}}``, or None
            if a branch pipeline dropped the sample.
        """
        packed = {
            'inputs': {name: None
                       for name in self.branch_field},
            'data_samples': {name: None
                             for name in self.branch_field},
        }
        names = list(self.branch_pipelines)
        for i, name in enumerate(names):
            # The last branch may consume the original dict: saves one copy.
            branch_input = results if i == len(names) - 1 else \
                copy.deepcopy(results)
            branch_results = self.branch_pipelines[name](branch_input)
            if branch_results is None:
                return None
            packed['inputs'][name] = branch_results['inputs']
            packed['data_samples'][name] = branch_results['data_samples']
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(branch_field={self.branch_field}, '
                f'branches={list(self.branch_pipelines)})')
