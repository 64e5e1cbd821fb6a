"""UniMatch V2 (Yang, Zhao, Shi, Wang, Zhao; TPAMI 2025).

"UniMatch V2: Pushing the Limit of Semi-Supervised Semantic Segmentation",
as its public code (``unimatch_v2.py``, ``dataset/semi.py``,
``model/semseg/dpt.py``) defines it:

* EMA teacher with decay ``min(1 - 1 / (iter + 1), 0.996)`` on parameters
  and buffers: ``MeanTeacherHook(momentum=0.004,
  momentum_schedule='inverse', buffer_policy='ema')``;
* two strong views of each unlabeled crop (colour jitter, greyscale, blur,
  one CutMix box each, pasted from the batch in reverse order), both
  through the student in ONE forward, separate from the labeled forward
  (``concat_student_forward=False``);
* complementary channel dropout on the features the decode head takes:
  ``m ~ 2 * Bernoulli(0.5)`` per image and channel on view 1, ``2 - m`` on
  view 2, ``B // 2`` random images unmasked in both;
* each view's ``L_s = CE over pixels with c >= 0.95 / count of valid
  pixels``; ``L = (L_sup + (L_s1 + L_s2) / 2) / 2``;
* Cityscapes' supervised term is OHEM (:class:`ProbOhemCrossEntropyLoss`,
  0.7, at least 200,000 pixels of the batch it is given).

The loss itself is :class:`FixMatchSegmentor`'s with two views; this class
only changes the defaults. Framework choices as in FixMatch's docstring;
the dropout masks and the CutMix partners are drawn once per step on the
whole per-GPU batch (:meth:`SemiBaseSegmentor.prepare_batch`), so
micro-batches compute the same step. The reference drops channels of the
DINOv2 layers fed to its DPT head (all of one width); here every backbone
feature map of the student is scaled by the first C channels of one mask,
which is the same on a ViT and keeps one mask per image on a CNN whose maps
differ in width.
"""
from mmseg.registry import MODELS

from ...utils.config_keys import reject_unknown_args
from .fixmatch import FixMatchSegmentor


@MODELS.register_module()
@reject_unknown_args
class UniMatchV2Segmentor(FixMatchSegmentor):
    """UniMatch V2: two strong views with complementary channel dropout.

    Args: as :class:`FixMatchSegmentor`.
    """

    #: ``(L_sup + (L_s1 + L_s2) / 2) / 2``; one student forward of both
    #: strong views, separate from the labeled one.
    METHOD_DEFAULTS = dict(
        sup_weight=0.5,
        unsup_weight=0.5,
        strong_views=2,
        channel_dropout=True,
        concat_student_forward=False)
