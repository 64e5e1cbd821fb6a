"""Generic teacher/student wrapper around any mmseg segmentor.

The structure follows MMDetection 3.x's ``SemiBaseDetector``: one config key
(``segmentor``) builds a student and a teacher of identical architecture; the
teacher is frozen, always in eval mode, and updated by
:class:`MeanTeacherHook`. Training is split into overridable stages:

1. :meth:`get_pseudo_labels`: teacher logits at the padded input resolution
   (not ``predict``, which un-flips and resizes to the original image, and not
   ``encode_decode``, which resizes to the unpadded size), padding ignored.
2. :meth:`filter_pseudo_labels`: which pixels the student learns from (each
   method's threshold).
3. :meth:`loss_by_gt_labels`: the student's supervised loss.
4. :meth:`loss_by_pseudo_labels`: the student's loss on pseudo-labels, which
   each method defines.

Strong student views (``semi_train_cfg.strong_views``; branches
``unsup_student``, ``unsup_student2``, ...) are CutMixed with the teacher's
maps of the weak view (boxes from ``RandomCutMixBox``), stacked along the
batch (view-major) and go through the student in one forward; an optional
complementary channel dropout (UniMatch V2) perturbs their features.

Stages 1-2 run on the whole batch (:meth:`prepare_batch`), 3-4 on the
student's batch (:meth:`loss_by_batch`), so ``semi_train_cfg.micro_batches``
can split a step's student forward/backward into parts without changing
what the step computes (:func:`~mmseg_cwbass.models.utils.micro_batch_step`).
Loss keys are prefixed ``sup.`` and ``unsup.``; the unsupervised terms are
scaled by ``lambda_u * ramp(iter)``.
"""
import copy
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from torch import Tensor
from torch.autograd.profiler import record_function

from ...utils.config_keys import check_keys, reject_unknown_args
from ..losses import GlobalCrossEntropyLoss
from ..utils import (all_ranks_finite, check_state_dict_fits, cutmix_batch,
                     decode_logits, final_head, micro_batch_step,
                     refuse_nonfinite_step, valid_pixel_mask)
from ..utils.cutmix import CUTMIX_PARTNERS, box_masks, cutmix_with_boxes
from .semi_batch import PseudoLabels, SemiBatch

PREDICT_ON = ('teacher', 'student')
NONFINITE_POLICIES = ('stop', 'skip')
SEMI_TRAIN_DEFAULTS = dict(
    unsup_weight=1.0,
    rampup_iters=0,
    concat_student_forward=True,
    ignore_index=255,
    cutmix_prob=0.0,
    cutmix_partner='reverse',
    strong_views=1,
    channel_dropout=False,
    sup_weight=1.0,
    nonfinite_loss='stop',
    micro_batches=1)
SEMI_TEST_DEFAULTS = dict(predict_on='teacher')


def _batch_slice(feats, start: int, stop: Optional[int]):
    """Images ``start:stop`` of backbone features: a tensor, or (nested)
    lists of them such as ViT ``[feature, cls_token]`` pairs."""
    if isinstance(feats, Tensor):
        return feats[start:stop]
    return type(feats)(_batch_slice(f, start, stop) for f in feats)


@reject_unknown_args
class SemiBaseSegmentor(BaseSegmentor):
    """Teacher/student segmentor for semi-supervised training.

    Args:
        segmentor (dict): Config of any mmseg segmentor (``EncoderDecoder``
            and subclasses, ``CascadeEncoderDecoder``); student and teacher
            are both built from it.
        semi_train_cfg (dict, optional): Training options:

            - ``unsup_weight`` (float): ``lambda_u``. Defaults to 1.0.
            - ``rampup_iters`` (int): Linear ramp of the unsupervised weight
              from 0 to 1 over these iterations; 0 disables it. Defaults
              to 0.
            - ``concat_student_forward`` (bool): Run the student backbone
              once on the labeled and unlabeled images concatenated (heads
              still run on each part). Backbone BN statistics are then those
              of the mixed batch, as in a joint forward of ST++/UniMatch.
              Defaults to True.
            - ``ignore_index`` (int): Defaults to 255.
            - ``cutmix_prob`` (float): Probability that a student image of
              the unlabeled batch gets a box of another one pasted in (with
              the teacher's labels and confidences mixed the same way), for
              strong-view ablations. Defaults to 0.0 (the reference).
              Views whose samples carry a ``cutmix_box`` (the
              ``RandomCutMixBox`` transform) are mixed with those boxes
              instead.
            - ``cutmix_partner`` (str): Which image of the (per-GPU) batch
              pastes into image ``i``: ``'reverse'`` (``N - 1 - i``,
              UniMatch V2) or ``'roll'`` (``i - 1``). Defaults to
              ``'reverse'``.
            - ``strong_views`` (int): Number of student views of each
              unlabeled image, read from the branches ``unsup_student``,
              ``unsup_student2``, ... (one view may be absent: the teacher's
              view). They are stacked view-major along the batch and pass
              through the student in one forward. Defaults to 1.
            - ``channel_dropout`` (bool): UniMatch V2's complementary
              channel dropout on two views: a Bernoulli(0.5) mask ``m`` per
              image and channel, times 2, on view 1 and ``2 - m`` on view 2,
              on every feature map of the student's backbone (each map uses
              the first C channels of one mask); ``B // 2`` random images
              keep all channels in both views. Drawn once per step on the
              whole batch. Defaults to False.
            - ``sup_weight`` (float): Weight of the supervised terms
              (FixMatch/UniMatch V2 average the two parts: 0.5 each).
              Defaults to 1.0.
            - ``nonfinite_loss`` (str): What a NaN/Inf loss does:
              ``'stop'`` raises (naming the term and iteration) before the
              optimizer step and before any checkpoint of that iteration is
              written; ``'skip'`` drops that step. Defaults to ``'stop'``.
        semi_test_cfg (dict, optional): ``predict_on``: ``'teacher'``
            (default) or ``'student'``; which model ``predict`` and
            ``tensor`` modes run.
        data_preprocessor (dict, optional): A
            ``MultiBranchDataPreprocessor`` config; by default one around the
            segmentor's own ``data_preprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 semi_train_cfg: OptConfigType = None,
                 semi_test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        check_keys(semi_train_cfg or {}, SEMI_TRAIN_DEFAULTS,
                   'model.semi_train_cfg')
        check_keys(semi_test_cfg or {}, SEMI_TEST_DEFAULTS,
                   'model.semi_test_cfg')
        # ConfigDict: mmseg segmentors read ``test_cfg.mode`` by attribute.
        segmentor = ConfigDict(copy.deepcopy(segmentor))
        data_preprocessor = self._multi_branch_preprocessor(
            data_preprocessor, segmentor.get('data_preprocessor'))
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = MODELS.build(copy.deepcopy(segmentor))
        self.teacher = MODELS.build(segmentor)
        if not hasattr(self.student, 'extract_feat') or not hasattr(
                self.student, 'decode_head'):
            raise TypeError(
                f'model.segmentor of type {type(self.student).__name__} has '
                'no extract_feat/decode_head; semi-supervised training needs '
                'an EncoderDecoder-style segmentor')
        self.semi_train_cfg = {**SEMI_TRAIN_DEFAULTS, **(semi_train_cfg or {})}
        self.semi_test_cfg = {**SEMI_TEST_DEFAULTS, **(semi_test_cfg or {})}
        if self.semi_train_cfg['nonfinite_loss'] not in NONFINITE_POLICIES:
            raise ValueError(
                f'semi_train_cfg.nonfinite_loss must be one of '
                f'{NONFINITE_POLICIES}, got '
                f"{self.semi_train_cfg['nonfinite_loss']!r}")
        if self.semi_test_cfg['predict_on'] not in PREDICT_ON:
            raise ValueError(f'semi_test_cfg.predict_on must be one of '
                             f'{PREDICT_ON}, got '
                             f"{self.semi_test_cfg['predict_on']!r}")
        self.ignore_index = self.semi_train_cfg['ignore_index']
        self._check_crop_size(segmentor)
        self._check_strong_views()
        self.freeze(self.teacher)

    # ------------------------------------------------------------------ utils
    def _check_strong_views(self) -> None:
        cfg = self.semi_train_cfg
        if cfg['cutmix_partner'] not in CUTMIX_PARTNERS:
            raise ValueError(
                f'semi_train_cfg.cutmix_partner must be one of '
                f"{CUTMIX_PARTNERS}, got {cfg['cutmix_partner']!r}")
        views = cfg['strong_views']
        if not isinstance(views, int) or views < 1:
            raise ValueError(
                f'semi_train_cfg.strong_views must be an int >= 1, got '
                f'{views!r}')
        if cfg['channel_dropout'] and views != 2:
            raise ValueError(
                'semi_train_cfg.channel_dropout pairs two strong views: set '
                f'strong_views=2 (got {views})')

    @property
    def student_branches(self) -> List[str]:
        """Branch names of the student views, in stacking order."""
        return ['unsup_student'] + [
            f'unsup_student{v + 1}'
            for v in range(1, self.semi_train_cfg['strong_views'])
        ]

    @staticmethod
    def _multi_branch_preprocessor(outer: OptConfigType,
                                   inner: OptConfigType) -> dict:
        """Config of the multi-branch preprocessor of the wrapper.

        An explicit ``MultiBranchDataPreprocessor`` is used as given.
        Otherwise the segmentor's own preprocessor is wrapped; a plain
        preprocessor given to the wrapper (mmengine's ``Runner`` injects a
        config's top-level ``data_preprocessor``, which mmseg's model configs
        define without the crop ``size``) is used only when the segmentor
        has none.
        """
        if outer is not None and \
                outer.get('type') == 'MultiBranchDataPreprocessor':
            return outer
        chosen = inner if inner is not None else outer
        if chosen is None:
            raise ValueError('model.segmentor has no data_preprocessor and '
                             'model.data_preprocessor is not set: give one '
                             'of them')
        return dict(
            type='MultiBranchDataPreprocessor', data_preprocessor=chosen)

    def _check_crop_size(self, segmentor: dict) -> None:
        """Let a backbone with input-size rules (DINOv2: multiples of 14)
        refuse the configured training crop now, not at the first step."""
        check = getattr(getattr(self.student, 'backbone', None),
                        'check_crop_size', None)
        size = (segmentor.get('data_preprocessor') or {}).get('size')
        if callable(check) and size is not None:
            check(size, 'model.segmentor.data_preprocessor.size (the '
                  'training crop)')

    @staticmethod
    def freeze(model: nn.Module) -> None:
        """Stop gradients into ``model`` and put it in eval mode."""
        model.eval()
        for param in model.parameters():
            param.requires_grad_(False)

    def train(self, mode: bool = True) -> 'SemiBaseSegmentor':
        """Set train/eval mode; the teacher always stays in eval mode."""
        super().train(mode)
        self.teacher.eval()
        return self

    @property
    def num_classes(self) -> int:
        """Number of classes of the segmentor."""
        return final_head(self.student).num_classes

    @property
    def align_corners(self) -> bool:
        """``align_corners`` of the final decode head."""
        return final_head(self.student).align_corners

    def _predict_model(self) -> nn.Module:
        return getattr(self, self.semi_test_cfg['predict_on'])

    @staticmethod
    def current_iter() -> int:
        """Training iteration published by mmengine's ``RuntimeInfoHook``."""
        return int(MessageHub.get_current_instance().get_info('iter', 0))

    def unsup_weight(self) -> float:
        """``lambda_u * r(t)`` with ``r`` a linear ramp from 0 to 1."""
        weight = float(self.semi_train_cfg['unsup_weight'])
        rampup = int(self.semi_train_cfg['rampup_iters'])
        if rampup > 0:
            weight *= min(1.0, self.current_iter() / rampup)
        return weight

    # --------------------------------------------------------------- training
    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        """One optimisation step that refuses to apply a non-finite loss.

        Args:
            data (dict): Collated batch from the dataloader.
            optim_wrapper (OptimWrapper): Updates the student.

        Returns:
            dict[str, Tensor]: Logged variables.

        Raises:
            FloatingPointError: A loss term is NaN/Inf and the policy is
                ``'stop'``.
        """
        return self.guarded_train_step(self, data, optim_wrapper)

    def guarded_train_step(self, forward_model: nn.Module, data: dict,
                           optim_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        """Forward through ``forward_model`` (this model or its DDP wrapper),
        check the loss on every rank, then step or apply the policy.

        With ``semi_train_cfg.micro_batches > 1`` the step is split into
        micro-batches (:func:`~mmseg_cwbass.models.utils.micro_batch_step`).
        """
        micro_batches = int(self.semi_train_cfg['micro_batches'])
        if micro_batches > 1:
            return micro_batch_step(self, forward_model, data, optim_wrapper,
                                    micro_batches)
        with optim_wrapper.optim_context(forward_model):
            data = self.data_preprocessor(data, True)
            losses = forward_model._run_forward(data, mode='loss')
        total, log_vars = self.parse_losses(losses)
        if all_ranks_finite(total):
            with record_function('semi:backward_and_step'):
                optim_wrapper.update_params(total)
            return log_vars
        return refuse_nonfinite_step(losses, log_vars, optim_wrapper,
                                     self.semi_train_cfg['nonfinite_loss'],
                                     self.current_iter() + 1)

    def loss(self, multi_batch_inputs: Union[Dict[str, Tensor], SemiBatch],
             multi_batch_data_samples: Optional[Dict[str, SampleList]] = None
             ) -> dict:
        """Supervised plus weighted unsupervised losses of one batch.

        Args:
            multi_batch_inputs (dict[str, Tensor] | SemiBatch): Images per
                branch: ``sup``, ``unsup_teacher`` and optionally
                ``unsup_student`` (defaults to the teacher view, as in the
                reference); or a prepared micro-batch.
            multi_batch_data_samples (dict[str, list], optional): Samples
                per branch (None with a prepared micro-batch).

        Returns:
            dict[str, Tensor]: Losses (``sup.*``, ``unsup.*``) and logged
            statistics.
        """
        if isinstance(multi_batch_inputs, SemiBatch):
            return self.loss_by_batch(multi_batch_inputs)
        return self.loss_by_batch(
            self.prepare_batch(multi_batch_inputs, multi_batch_data_samples))

    def prepare_batch(self, multi_batch_inputs: Dict[str, Tensor],
                      multi_batch_data_samples: Dict[str, SampleList]
                      ) -> SemiBatch:
        """Everything of a step before the student: the teacher's labels.

        Args:
            multi_batch_inputs (dict[str, Tensor]): Images per branch.
            multi_batch_data_samples (dict[str, list]): Samples per branch.

        Returns:
            SemiBatch: Student inputs and filtered pseudo-labels.
        """
        if 'sup' not in multi_batch_inputs or \
                'unsup_teacher' not in multi_batch_inputs:
            raise KeyError(
                'a semi-supervised batch needs the branches "sup" and '
                f'"unsup_teacher", got {sorted(multi_batch_inputs)}: check '
                'the MultiBranch transforms of train_dataloader')
        teacher_inputs = multi_batch_inputs['unsup_teacher']
        teacher_samples = multi_batch_data_samples['unsup_teacher']
        # record_function ranges name the stages for torch.profiler
        # (tools/analysis_tools/benchmark.py); they cost nothing otherwise.
        with record_function('semi:pseudo_labels'):
            pseudo_labels = self.get_pseudo_labels(teacher_inputs,
                                                   teacher_samples)
        with record_function('semi:strong_views'):
            student_inputs, student_samples, stacked, num_views = \
                self._stack_strong_views(multi_batch_inputs,
                                         multi_batch_data_samples,
                                         pseudo_labels)
        return SemiBatch(multi_batch_inputs['sup'],
                         multi_batch_data_samples['sup'], student_inputs,
                         student_samples,
                         self.filter_pseudo_labels(stacked),
                         num_views=num_views)

    def _stack_strong_views(self, multi_batch_inputs: Dict[str, Tensor],
                            multi_batch_data_samples: Dict[str, SampleList],
                            pseudo_labels: PseudoLabels) -> tuple:
        """CutMix each student view, stack them view-major, draw masks."""
        teacher_inputs = multi_batch_inputs['unsup_teacher']
        teacher_samples = multi_batch_data_samples['unsup_teacher']
        views = []
        for branch in self.student_branches:
            if branch not in multi_batch_inputs and (
                    branch != 'unsup_student' or
                    self.semi_train_cfg['strong_views'] > 1):
                raise KeyError(
                    f'semi_train_cfg.strong_views='
                    f"{self.semi_train_cfg['strong_views']} needs the branch "
                    f'"{branch}", got {sorted(multi_batch_inputs)}: add it to '
                    'the unlabeled MultiBranch (and to every branch_field)')
            inputs = multi_batch_inputs.get(branch, teacher_inputs)
            samples = multi_batch_data_samples.get(branch, teacher_samples)
            if inputs.shape != teacher_inputs.shape:
                raise ValueError(
                    'teacher and student views must be pixel-aligned, got '
                    f'shapes {tuple(teacher_inputs.shape)} and '
                    f'{tuple(inputs.shape)} ({branch}): put geometric '
                    'transforms before MultiBranch')
            views.append((*self.strong_view(inputs, samples, pseudo_labels),
                          samples))
        def cat(tensors: List[Tensor]) -> Tensor:
            return tensors[0] if len(tensors) == 1 else torch.cat(tensors)

        student_inputs = cat([v[0] for v in views])
        student_samples = [s for v in views for s in v[2]]
        stacked = PseudoLabels(
            label=cat([v[1].label for v in views]),
            confidence=cat([v[1].confidence for v in views]),
            valid=cat([v[1].valid for v in views]))
        if self.semi_train_cfg['channel_dropout']:
            stacked.channel_mask = self.complementary_channel_masks(
                teacher_inputs.shape[0], teacher_inputs.device)
        return student_inputs, student_samples, stacked, len(views)

    def strong_view(self, inputs: Tensor, samples: SampleList,
                    pseudo_labels: PseudoLabels
                    ) -> Tuple[Tensor, PseudoLabels]:
        """One student view with the teacher's maps CutMixed alike.

        Boxes come from the samples' ``cutmix_box`` (``RandomCutMixBox``)
        when they carry one, else from ``semi_train_cfg.cutmix_prob``.

        Args:
            inputs (Tensor): The view (N, 3, H, W), padded.
            samples (list[SegDataSample]): Its samples.
            pseudo_labels (PseudoLabels): Teacher output on the weak view.

        Returns:
            tuple[Tensor, PseudoLabels]: Mixed view and maps.
        """
        maps = (pseudo_labels.label, pseudo_labels.confidence,
                pseudo_labels.valid)
        partner = self.semi_train_cfg['cutmix_partner']
        if any('cutmix_box' in s.metainfo for s in samples):
            # Crops sit at the top left of the padded batch (stack_batch
            # pads right/bottom); padding_size says where if not.
            offsets = [(s.metainfo.get('padding_size', (0, 0, 0, 0))[2],
                        s.metainfo.get('padding_size', (0, 0, 0, 0))[0])
                       for s in samples]
            boxes = box_masks([s.metainfo.get('cutmix_box') for s in samples],
                              inputs.shape[-2:], inputs.device, offsets)
            inputs, maps = cutmix_with_boxes(inputs, maps, boxes, partner)
        elif self.semi_train_cfg['cutmix_prob'] > 0:
            inputs, maps = cutmix_batch(
                inputs, maps, self.semi_train_cfg['cutmix_prob'],
                partner=partner)
        return inputs, PseudoLabels(*maps)

    def complementary_channel_masks(self, num: int,
                                    device: torch.device) -> Tensor:
        """UniMatch V2's complementary channel dropout masks of two views.

        Args:
            num (int): Unlabeled images of the whole (per-GPU) batch.
            device (torch.device): Device of the masks.

        Returns:
            Tensor: (2 * num, C) factors: ``m`` (0 or 2) for view 1,
            ``2 - m`` for view 2; ``num // 2`` random images get 1 in both.
            C covers the widest feature map of the backbone.
        """
        channels = self._widest_feature()
        first = torch.bernoulli(torch.full((num, channels), 0.5,
                                           device=device)) * 2.0
        second = 2.0 - first
        unmasked = torch.randperm(num, device=device)[:int(num * 0.5)]
        first[unmasked] = 1.0
        second[unmasked] = 1.0
        return torch.cat([first, second])

    def _widest_feature(self) -> int:
        """Most channels of a feature map the student's heads take."""
        found = []
        for head in (final_head(self.student), self.student.decode_head):
            for name in ('in_channels', 'c1_in_channels', 'channels'):
                value = getattr(head, name, None)
                values = value if isinstance(value, (list, tuple)) else \
                    [value]
                found += [v for v in values if isinstance(v, int)]
        if not found:
            raise ValueError(
                'semi_train_cfg.channel_dropout: the decode head names no '
                'in_channels to size the dropout masks')
        return max(found)

    @staticmethod
    def drop_channels(feats: List, masks: Tensor) -> List:
        """Multiply every feature map (and nested pair) by its mask."""

        def apply(feat):
            if isinstance(feat, (list, tuple)):
                return type(feat)(apply(f) for f in feat)
            channels = feat.shape[1]
            if channels > masks.shape[1]:
                raise ValueError(
                    f'channel_dropout masks have {masks.shape[1]} channels, '
                    f'a feature map has {channels}')
            scale = masks[:, :channels].to(feat.dtype)
            return feat * scale.view(*scale.shape,
                                     *([1] * (feat.dim() - 2)))

        return [apply(f) for f in feats]

    def loss_by_batch(self, batch: SemiBatch) -> dict:
        """The student's losses on a prepared (micro-)batch.

        Args:
            batch (SemiBatch): Output of :meth:`prepare_batch` or a part.

        Returns:
            dict[str, Tensor]: Losses and logged statistics.
        """
        with record_function('semi:student_features'):
            sup_feats, unsup_feats = self.extract_student_feats(
                batch.sup_inputs, batch.student_inputs)
            if batch.pseudo_labels.channel_mask is not None:
                with record_function('semi:channel_dropout'):
                    unsup_feats = self.drop_channels(
                        unsup_feats, batch.pseudo_labels.channel_mask)
        with record_function('semi:sup_loss'):
            losses = add_prefix(
                self.loss_by_gt_labels(batch.sup_inputs, sup_feats,
                                       batch.sup_samples), 'sup')
            sup_weight = float(self.semi_train_cfg['sup_weight'])
            if sup_weight != 1.0:
                losses = {
                    k: v * sup_weight if 'loss' in k else v
                    for k, v in losses.items()
                }
        with record_function('semi:unsup_loss'):
            unsup_losses = self.loss_by_pseudo_labels(
                batch.student_inputs, unsup_feats, batch.student_samples,
                batch.pseudo_labels)
        weight = self.unsup_weight()
        for name, value in unsup_losses.items():
            if 'loss' in name:
                unsup_losses[name] = value * weight
        unsup_losses['unsup_weight'] = torch.tensor(weight)
        losses.update(add_prefix(unsup_losses, 'unsup'))
        return losses

    def filter_pseudo_labels(self,
                             pseudo_labels: PseudoLabels) -> PseudoLabels:
        """Mark the pixels the student learns from (``kept``).

        Runs once per step on the whole batch. The base keeps every real
        pixel; methods override it with their threshold.

        Args:
            pseudo_labels (PseudoLabels): Teacher output.

        Returns:
            PseudoLabels: With ``kept`` (and method fields) set.
        """
        pseudo_labels.kept = pseudo_labels.valid
        return pseudo_labels

    def loss_normalisers(self, batch: SemiBatch) -> Dict[str, Tensor]:
        """Per-image pixel counts that each mean-type loss divides by.

        ``{loss key: counts (N,)}`` for the terms whose loss is a sum over
        pixels divided by a pixel count of the (global) batch: split into
        micro-batches, each part's term is rescaled by its share of the
        count, so the step computes exactly the whole batch's mean. Terms
        not listed are averaged over the parts.

        Args:
            batch (SemiBatch): A prepared batch.

        Returns:
            dict[str, Tensor]: Integer counts per image.
        """
        labels = torch.stack(
            [s.gt_sem_seg.data[0] for s in batch.sup_samples])
        sup_counts = (labels != self.ignore_index).flatten(1).sum(1)
        counts = {}
        heads = [('decode', self.student.decode_head)]
        if self.student.with_auxiliary_head:
            heads.append(('aux', self.student.auxiliary_head))
        for prefix, head in heads:
            for module in (head if isinstance(head, nn.ModuleList) else
                           [head]):
                terms = module.loss_decode if isinstance(
                    module.loss_decode, nn.ModuleList) else [
                        module.loss_decode
                    ]
                for term in terms:
                    if isinstance(term, GlobalCrossEntropyLoss):
                        counts[f'sup.{prefix}.{term.loss_name}'] = \
                            sup_counts
        return counts

    @torch.no_grad()
    def get_pseudo_labels(self, inputs: Tensor,
                          data_samples: SampleList) -> PseudoLabels:
        """Teacher argmax and confidence at the padded input resolution.

        Args:
            inputs (Tensor): Unlabeled images (N, 3, H, W) as the teacher sees
                them (padded batch).
            data_samples (list[SegDataSample]): Their samples (padding info).

        Returns:
            PseudoLabels: Label, confidence and valid mask, (N, H, W) each.
        """
        feats = self.teacher.extract_feat(inputs)
        logits = decode_logits(self.teacher, feats)
        logits = resize(
            logits.float(),
            size=inputs.shape[-2:],
            mode='bilinear',
            align_corners=final_head(self.teacher).align_corners)
        # max softmax = exp(max logit - logsumexp): no full softmax tensor.
        max_logit, label = logits.max(dim=1)
        confidence = torch.exp(max_logit - torch.logsumexp(logits, dim=1))
        valid = valid_pixel_mask(data_samples, inputs.shape[-2:],
                                 inputs.device)
        label = label.masked_fill(~valid, self.ignore_index)
        confidence = confidence.masked_fill(~valid, 0.0)
        return PseudoLabels(label=label, confidence=confidence, valid=valid)

    def extract_student_feats(
            self, sup_inputs: Tensor,
            unsup_inputs: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
        """Student backbone (+neck) features of both batches.

        One backbone pass over the concatenation when
        ``concat_student_forward`` is set and the crops match in size.

        Args:
            sup_inputs (Tensor): Labeled images (B_l, 3, H, W).
            unsup_inputs (Tensor): Unlabeled student view (B_u, 3, H, W).

        Returns:
            tuple[list[Tensor], list[Tensor]]: Features of each batch.
        """
        if self.semi_train_cfg['concat_student_forward'] and \
                sup_inputs.shape[1:] == unsup_inputs.shape[1:]:
            feats = self.student.extract_feat(
                torch.cat([sup_inputs, unsup_inputs]))
            num_sup = sup_inputs.shape[0]
            return (_batch_slice(feats, 0, num_sup),
                    _batch_slice(feats, num_sup, None))
        return (self.student.extract_feat(sup_inputs),
                self.student.extract_feat(unsup_inputs))

    def loss_by_gt_labels(self, inputs: Tensor, feats: List[Tensor],
                          data_samples: SampleList) -> dict:
        """Student's supervised losses (decode and auxiliary heads).

        Args:
            inputs (Tensor): Labeled images.
            feats (list[Tensor]): Their student features.
            data_samples (list[SegDataSample]): Samples with ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: mmseg loss dict (``decode.*``, ``aux.*``).
        """
        losses = self.student._decode_head_forward_train(feats, data_samples)
        if self.student.with_auxiliary_head:
            losses.update(
                self.student._auxiliary_head_forward_train(
                    feats, data_samples))
        return losses

    def loss_by_pseudo_labels(self, inputs: Tensor, feats: List[Tensor],
                              data_samples: SampleList,
                              pseudo_labels: PseudoLabels) -> dict:
        """Student's loss on the teacher's pseudo-labels (method-specific).

        Args:
            inputs (Tensor): Unlabeled student view.
            feats (list[Tensor]): Its student features.
            data_samples (list[SegDataSample]): Its samples.
            pseudo_labels (PseudoLabels): Filtered teacher output.

        Returns:
            dict[str, Tensor]: Losses (keys with ``loss``) and statistics.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement loss_by_pseudo_labels')

    def pseudo_label_stats(self, data_samples: SampleList, label: Tensor,
                           kept: Tensor) -> Dict[str, Tensor]:
        """Pseudo-label accuracy against masks kept for diagnostics only.

        Uses ``diag_sem_seg`` (see ``LoadDiagnosticMask``) when the samples
        carry it; those masks never reach a loss.

        Args:
            data_samples (list[SegDataSample]): Unlabeled samples.
            label (Tensor): Unthresholded pseudo-labels (N, H, W).
            kept (Tensor): Boolean mask of pixels kept by the threshold.

        Returns:
            dict[str, Tensor]: ``pseudo_acc`` (all valid pixels) and
            ``pseudo_acc_kept`` (kept pixels), or empty.
        """
        if not data_samples or 'diag_sem_seg' not in data_samples[0]:
            return {}
        correct = torch.zeros(2, device=label.device)
        total = torch.zeros(2, device=label.device)
        for i, sample in enumerate(data_samples):
            truth = sample.diag_sem_seg.data.to(label.device)[0]
            height, width = truth.shape
            pred = label[i, :height, :width]
            labelled = truth != self.ignore_index
            hit = (pred == truth) & labelled
            kept_i = kept[i, :height, :width] & labelled
            correct += torch.stack([hit.sum(), (hit & kept_i).sum()])
            total += torch.stack([labelled.sum(), kept_i.sum()])
        acc = correct / total.clamp(min=1)
        return dict(pseudo_acc=acc[0], pseudo_acc_kept=acc[1])

    # -------------------------------------------------------------- inference
    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predict with the teacher or student (``semi_test_cfg``)."""
        return self._predict_model().predict(inputs, data_samples)

    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptSampleList = None) -> Tensor:
        """Raw network output of the teacher or student."""
        return self._predict_model()._forward(inputs, data_samples)

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Features of the teacher or student (``semi_test_cfg``)."""
        return self._predict_model().extract_feat(inputs)

    def encode_decode(self, inputs: Tensor,
                      batch_data_samples: SampleList) -> Tensor:
        """``encode_decode`` of the teacher or student."""
        return self._predict_model().encode_decode(inputs, batch_data_samples)

    # ------------------------------------------------------------ checkpoints
    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: List[str],
                              unexpected_keys: List[str],
                              error_msgs: List[str]) -> None:
        """Load a plain mmseg checkpoint into both student and teacher.

        A state dict without ``student.``/``teacher.`` keys comes from a
        supervised mmseg model: each of its entries initialises both.
        """
        own_keys = [k for k in state_dict if k.startswith(prefix)]
        is_plain = own_keys and not any(
            k[len(prefix):].startswith(('student.', 'teacher.'))
            for k in own_keys)
        if is_plain:
            for key in own_keys:
                value = state_dict.pop(key)
                name = key[len(prefix):]
                state_dict[f'{prefix}student.{name}'] = value
                state_dict[f'{prefix}teacher.{name}'] = value
        check_state_dict_fits(self.student, state_dict, prefix + 'student.')
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
