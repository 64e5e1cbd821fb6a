"""Draw the teacher's pseudo-labels while training (CW-BASS, Tarubinga,
Kalafatovich, Lee, IJCNN 2025).

Every ``interval`` iterations the hook runs the teacher on the batch's
unlabeled teacher view, just before the step that trains on it, and sends
one image per unlabeled sample to every backend of the runner's visualizer
(``LocalVisBackend``: ``<work_dir>/<timestamp>/vis_data/vis_image/``;
TensorBoard or W&B when the config adds them). The image's panels, left to
right: the image, the pseudo-label (argmax), the confidence (heat map, blue
0 to red 1), the Sobel band the boundary loss uses, the kept mask
(``confidence > tau``) and, when the unlabeled pipeline stashes diagnostic
masks, the true mask. The role mirrors mmseg's ``SegVisualizationHook``.
"""
import copy
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import (ContextManager, Iterator, List, Optional, Sequence,
                    Tuple)

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from mmseg.registry import HOOKS

from ...utils.config_keys import reject_unknown_args

BRANCH = 'unsup_teacher'
CAPTION_HEIGHT = 16
GAP = 2
IGNORE_COLOR = (255, 255, 255)


@dataclass
class PseudoLabelPanels:
    """What the hook draws for one unlabeled image, padding cropped away.

    Attributes:
        image (np.ndarray): The teacher's view, RGB uint8 (H, W, 3).
        label (np.ndarray): Unthresholded pseudo-label, int64 (H, W).
        confidence (np.ndarray): Teacher confidence, float32 (H, W).
        band (np.ndarray, optional): Boolean Sobel band (H, W); None for a
            segmentor without a boundary term (Mean Teacher).
        kept (np.ndarray): Boolean mask of the pixels the loss keeps.
        tau (float): Mean threshold over the image.
        truth (np.ndarray, optional): Diagnostic mask, int64 (H, W).
    """
    image: np.ndarray
    label: np.ndarray
    confidence: np.ndarray
    band: Optional[np.ndarray]
    kept: np.ndarray
    tau: float
    truth: Optional[np.ndarray] = None


def unwrap(model: nn.Module) -> nn.Module:
    """The segmentor inside a DDP wrapper, or ``model`` itself."""
    return model.module if is_model_wrapper(model) else model


def check_segmentor(model: nn.Module) -> None:
    """Refuse a segmentor the hook cannot read pseudo-labels from.

    Raises:
        TypeError: Naming the segmentor's class.
    """
    if not hasattr(model, 'get_pseudo_labels') or not (
            isinstance(getattr(model, 'threshold', None), nn.Module)
            or hasattr(model, 'pseudo_threshold')):
        raise TypeError(
            'PseudoLabelVisualizationHook needs a teacher/student segmentor '
            'with get_pseudo_labels and a threshold (CWBASSSegmentor, '
            f'MeanTeacherSegmentor), got {type(model).__name__}: remove the '
            'hook from custom_hooks')


@contextmanager
def inspected(threshold: nn.Module) -> Iterator[nn.Module]:
    """The threshold module in eval mode, its mode and ``last_tau`` restored.

    In training mode a ``class_ema`` threshold records the batch for its
    EMA, and every forward writes ``last_tau`` (a checkpointed buffer): a
    look at the pseudo-labels must change neither.
    """
    was_training = threshold.training
    last_tau = getattr(threshold, 'last_tau', None)
    saved = last_tau.clone() if isinstance(last_tau, torch.Tensor) else None
    threshold.eval()
    try:
        yield threshold
    finally:
        threshold.train(was_training)
        if saved is not None:
            last_tau.copy_(saved)


def step_precision(runner) -> ContextManager:
    """The step's forward context: autocast under ``AmpOptimWrapper``, so
    the teacher runs in the precision the step runs it in."""
    optim_wrapper = getattr(runner, 'optim_wrapper', None)
    if isinstance(optim_wrapper, OptimWrapper):
        return optim_wrapper.optim_context(runner.model)
    return nullcontext()


@torch.no_grad()
def inspect_pseudo_labels(model: nn.Module, data_batch: dict,
                          max_images: int) -> List[PseudoLabelPanels]:
    """Teacher pseudo-labels of a collated batch, as its training step sees
    them.

    The unlabeled teacher view goes through the model's data preprocessor
    (on copies of its samples: the preprocessor writes padding into them)
    and the teacher. All images of the branch are thresholded together, so
    a batch-mean threshold is the step's; the first ``max_images`` are
    returned.

    Args:
        model (nn.Module): A segmentor accepted by :func:`check_segmentor`.
        data_batch (dict): Collated, not yet preprocessed multi-branch batch.
        max_images (int): How many images to return.

    Returns:
        list[PseudoLabelPanels]: One per image, at most ``max_images``;
        empty when the batch has no unlabeled teacher view.
    """
    inputs = data_batch.get('inputs', {})
    samples = data_batch.get('data_samples', {})
    if not isinstance(inputs, dict) or inputs.get(BRANCH) is None:
        return []
    present = [i for i, x in enumerate(inputs[BRANCH]) if x is not None]
    if not present:
        return []
    raw = [inputs[BRANCH][i] for i in present]
    processed = model.data_preprocessor(
        dict(
            inputs={BRANCH: raw},
            data_samples={
                BRANCH: [copy.deepcopy(samples[BRANCH][i]) for i in present]
            }), True)
    batch_inputs = processed['inputs'][BRANCH]
    batch_samples = processed['data_samples'][BRANCH]
    pseudo = model.get_pseudo_labels(batch_inputs, batch_samples)
    threshold = getattr(model, 'threshold', None)
    if isinstance(threshold, nn.Module):
        with inspected(threshold):
            tau = threshold(pseudo.confidence, pseudo.label, pseudo.valid)
    else:
        tau = torch.full_like(pseudo.confidence,
                              float(model.pseudo_threshold))
    # The segmentors' own rule (loss_by_pseudo_labels).
    kept = pseudo.valid & (pseudo.confidence > tau)
    band = model.band(pseudo.label, pseudo.valid) if hasattr(
        model, 'band') else None

    panels = []
    for i, sample in enumerate(batch_samples[:max_images]):
        left, right, top, bottom = sample.metainfo.get(
            'padding_size', (0, 0, 0, 0))
        height, width = pseudo.label.shape[-2:]
        rows, cols = slice(top, height - bottom), slice(left, width - right)

        def crop(mask: torch.Tensor) -> np.ndarray:
            return mask[i, rows, cols].cpu().numpy()

        truth = None
        if 'diag_sem_seg' in sample:
            truth = sample.diag_sem_seg.data[0].cpu().numpy().astype(np.int64)
        kept_i = crop(kept)
        panels.append(
            PseudoLabelPanels(
                image=to_rgb(raw[i]),
                label=crop(pseudo.label),
                confidence=crop(pseudo.confidence).astype(np.float32),
                band=None if band is None else crop(band),
                kept=kept_i,
                tau=float(crop(tau).mean()),
                truth=truth))
    return panels


def to_rgb(image: torch.Tensor) -> np.ndarray:
    """RGB uint8 (H, W, 3) of a packed image (BGR, as ``LoadImageFromFile``
    and ``PackSegInputs`` give it)."""
    array = image.detach().cpu().numpy()
    if array.ndim == 2:
        array = array[None]
    array = np.clip(array, 0, 255).astype(np.uint8)
    if array.shape[0] == 1:
        return np.ascontiguousarray(np.repeat(array, 3, axis=0).transpose(
            1, 2, 0))
    return np.ascontiguousarray(array[2::-1].transpose(1, 2, 0))


def make_palette(palette: Optional[Sequence], num_colors: int) -> np.ndarray:
    """A (256, 3) uint8 colour table: the dataset's palette, then fixed
    pseudo-random colours for classes it does not cover, 255 white."""
    # A private generator: the global random state belongs to training.
    table = np.random.default_rng(0).integers(0, 256, (256, 3), np.uint8)
    if palette:
        given = np.asarray(palette, dtype=np.uint8)[:num_colors]
        table[:len(given)] = given
    table[255] = IGNORE_COLOR
    return table


def color_labels(label: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Class colours of a label map; values outside 0..255 are white."""
    inside = (label >= 0) & (label <= 255)
    return table[np.where(inside, label, 255)]


def heat_map(confidence: np.ndarray) -> np.ndarray:
    """OpenCV's JET colour map of a confidence in [0, 1], RGB uint8.

    Absolute scale: 0 is dark blue, 1 dark red, whatever the image's range.
    """
    scaled = np.round(np.clip(confidence, 0.0, 1.0) * 255).astype(np.uint8)
    return cv2.cvtColor(
        cv2.applyColorMap(scaled, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def binary(mask: np.ndarray) -> np.ndarray:
    """White where ``mask``, black elsewhere, RGB uint8."""
    return np.repeat((mask.astype(np.uint8) * 255)[..., None], 3, axis=2)


def panel_images(panels: PseudoLabelPanels,
                 table: np.ndarray) -> List[Tuple[str, np.ndarray]]:
    """The captioned panels of one image, left to right.

    Args:
        panels (PseudoLabelPanels): One image's pseudo-label data.
        table (np.ndarray): Colour table of :func:`make_palette`.

    Returns:
        list[tuple[str, np.ndarray]]: (caption, RGB uint8 (H, W, 3)) pairs:
        image, pseudo-label, confidence, band (if any), kept, truth (if
        any).
    """
    pixels = panels.kept.size
    images = [
        ('image', panels.image),
        ('pseudo-label', color_labels(panels.label, table)),
        (f'conf {panels.confidence.mean():.2f}',
         heat_map(panels.confidence)),
    ]
    if panels.band is not None:
        images.append((f'band {panels.band.sum() / pixels:.0%}',
                       binary(panels.band)))
    images.append(
        (f'kept {panels.kept.sum() / pixels:.0%} tau {panels.tau:.2f}',
         binary(panels.kept)))
    if panels.truth is not None:
        labelled = panels.truth != 255
        hits = (panels.label == panels.truth) & labelled
        accuracy = hits.sum() / max(int(labelled.sum()), 1)
        images.append((f'truth acc {accuracy:.0%}',
                       color_labels(panels.truth, table)))
    return images


def compose(images: List[Tuple[str, np.ndarray]]) -> np.ndarray:
    """Panels side by side, ``GAP`` grey pixels apart, under their captions.

    Args:
        images (list[tuple[str, np.ndarray]]): (caption, (H, W, 3)) pairs.

    Returns:
        np.ndarray: RGB uint8 (CAPTION_HEIGHT + H, n * W + (n - 1) * GAP, 3).
    """
    height, width = images[0][1].shape[:2]
    count = len(images)
    canvas = np.full(
        (CAPTION_HEIGHT + height, count * width + (count - 1) * GAP, 3),
        128, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for k, (caption, image) in enumerate(images):
        x = k * (width + GAP)
        canvas[:CAPTION_HEIGHT, x:x + width] = 0
        canvas[CAPTION_HEIGHT:, x:x + width] = image
        text_width = cv2.getTextSize(caption, font, 0.4, 1)[0][0]
        scale = min(0.4, 0.4 * (width - 4) / max(text_width, 1))
        strip = np.ascontiguousarray(canvas[:CAPTION_HEIGHT, x:x + width])
        cv2.putText(strip, caption, (2, CAPTION_HEIGHT - 4), font, scale,
                    (255, 255, 255), 1, cv2.LINE_AA)
        canvas[:CAPTION_HEIGHT, x:x + width] = strip
    return canvas


@HOOKS.register_module()
@reject_unknown_args
class PseudoLabelVisualizationHook(Hook):
    """Draw the teacher's pseudo-labels of unlabeled training images.

    CW-BASS (Tarubinga, Kalafatovich, Lee, IJCNN 2025) trains on the
    teacher's pseudo-labels weighted by its confidence, thresholded by a
    dynamic ``tau`` and with an extra loss on their Sobel band; this hook
    shows those quantities. It runs before the step of every
    ``interval``-th iteration, so the panels show what that step trains on
    (the teacher and threshold state before the step's updates; the
    teacher view, before any CutMix), as images ``pseudo_label_<k>`` at
    step ``iteration`` (1-based, as logged).

    It runs under ``torch.no_grad`` on the teacher only (eval mode), in the
    step's autocast context, leaves the threshold's mode and state as it
    found them and draws no random number, so a run with it trains exactly
    as one without it. Every rank computes (a batch-mean threshold
    all-reduces over ranks); rank 0 draws its own images. With
    ``MeanTeacherSegmentor`` the threshold is its fixed
    ``pseudo_threshold`` and there is no band panel.

    Args:
        draw (bool): Whether to draw at all. Defaults to True.
        interval (int): Draw every ``interval`` training iterations; 0
            switches the hook off. Defaults to 1000.
        max_images (int): Unlabeled images drawn per batch (of this rank).
            Defaults to 4.
    """

    priority = 'LOW'  # after DynamicThresholdHook sets this step's schedule

    def __init__(self,
                 draw: bool = True,
                 interval: int = 1000,
                 max_images: int = 4) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int) \
                or interval < 0:
            raise ValueError('PseudoLabelVisualizationHook.interval must be '
                             f'an integer >= 0 (0: off), got {interval!r}')
        if isinstance(max_images, bool) or not isinstance(
                max_images, int) or max_images < 1:
            raise ValueError('PseudoLabelVisualizationHook.max_images must '
                             f'be an integer >= 1, got {max_images!r}')
        self.draw = bool(draw)
        self.interval = interval
        self.max_images = max_images

    @property
    def enabled(self) -> bool:
        """Whether the hook draws anything."""
        return self.draw and self.interval > 0

    def before_train(self, runner) -> None:
        """Refuse a segmentor without pseudo-labels before training starts."""
        if self.enabled:
            check_segmentor(unwrap(runner.model))

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """Draw this iteration's pseudo-labels every ``interval`` steps."""
        if not self.enabled or data_batch is None or \
                not self.every_n_train_iters(runner, self.interval):
            return
        model = unwrap(runner.model)
        check_segmentor(model)
        with step_precision(runner):
            panels = inspect_pseudo_labels(model, data_batch,
                                           self.max_images)
        if not panels or not is_main_process():
            return
        meta = getattr(runner.visualizer, 'dataset_meta', None) or {}
        table = make_palette(meta.get('palette'), model.num_classes)
        for k, image_panels in enumerate(panels):
            runner.visualizer.add_image(
                f'pseudo_label_{k}',
                compose(panel_images(image_panels, table)),
                step=runner.iter + 1)
