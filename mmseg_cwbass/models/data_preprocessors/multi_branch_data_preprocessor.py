"""Data preprocessor for multi-branch (teacher/student) batches."""
from typing import Dict, List

from mmengine.model import BaseDataPreprocessor
from mmseg.registry import MODELS
from mmseg.utils import ConfigType

from ...utils.config_keys import reject_unknown_args


@MODELS.register_module()
@reject_unknown_args
class MultiBranchDataPreprocessor(BaseDataPreprocessor):
    """Apply a segmentation data preprocessor to every branch of a batch.

    In training, a batch is ``{'inputs': {branch: [Tensor | None, ...]},
    'data_samples': {branch: [SegDataSample | None, ...]}}`` (see
    :class:`MultiBranch`); ``None`` entries (a labeled sample has no
    unlabeled view and vice versa) are dropped and each branch is normalised,
    padded and stacked on its own. Evaluation batches are plain and go to the
    wrapped preprocessor unchanged.

    Args:
        data_preprocessor (dict): Config of the wrapped preprocessor, usually
            the segmentor's ``SegDataPreProcessor``.
    """

    def __init__(self, data_preprocessor: ConfigType) -> None:
        super().__init__()
        self.data_preprocessor = MODELS.build(data_preprocessor)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess a batch.

        Args:
            data (dict): Collated batch.
            training (bool): Whether the batch is for training.

        Returns:
            dict: ``{'inputs': {branch: Tensor}, 'data_samples':
            {branch: list}}`` in training, the wrapped result otherwise.
        """
        if not training or not isinstance(data.get('inputs'), dict):
            return self.data_preprocessor(data, training)
        inputs: Dict[str, List] = data['inputs']
        samples: Dict[str, List] = data['data_samples']
        out_inputs, out_samples = {}, {}
        for branch, branch_inputs in inputs.items():
            kept = [i for i, x in enumerate(branch_inputs) if x is not None]
            if not kept:
                continue
            processed = self.data_preprocessor(
                dict(
                    inputs=[branch_inputs[i] for i in kept],
                    data_samples=[samples[branch][i] for i in kept]),
                training)
            out_inputs[branch] = processed['inputs']
            out_samples[branch] = processed['data_samples']
        return dict(inputs=out_inputs, data_samples=out_samples)
