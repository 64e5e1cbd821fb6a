"""Advance the dynamic threshold of CW-BASS across iterations.

The threshold's per-batch part (the reference's batch-mean confidence) is
computed in the forward pass by
:class:`~mmseg_cwbass.models.utils.DynamicThreshold`. Everything that evolves
across iterations belongs to this hook, as the teacher's update belongs to
``MeanTeacherHook``: the per-class EMA of ``statistic='class_ema'`` (the
paper's "learns from model performance"), its synchronisation across ranks,
and an optional schedule of ``T0``, ``beta`` and the clamps (e.g. a warm-up).
The EMA is a buffer of the threshold module, so it is saved in every
checkpoint and restored on resume.
"""
import bisect
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...utils.config_keys import check_keys, reject_unknown_args

SCHEDULED = ('base', 'beta', 'tau_min', 'tau_max')


def _parse_schedule(
        schedule: Dict[str, Sequence[Sequence[float]]]
) -> Dict[str, List[Tuple[int, float]]]:
    """Validate ``{param: [(iter, value), ...]}`` and sort it by iteration."""
    check_keys(schedule, SCHEDULED, 'DynamicThresholdHook.schedule')
    parsed = {}
    for name, points in schedule.items():
        try:
            points = sorted((int(it), float(value)) for it, value in points)
        except (TypeError, ValueError):
            raise ValueError(
                f'DynamicThresholdHook.schedule.{name} must be a list of '
                f'(iteration, value) pairs, got {points!r}') from None
        if not points or points[0][0] < 0 or len(
                {it for it, _ in points}) != len(points):
            raise ValueError(
                f'DynamicThresholdHook.schedule.{name} needs distinct '
                f'iterations >= 0, got {points!r}')
        parsed[name] = points
    return parsed


def _interpolate(points: List[Tuple[int, float]], cur_iter: int) -> float:
    """Piecewise-linear value at ``cur_iter``, constant outside the points."""
    iters = [it for it, _ in points]
    pos = bisect.bisect_right(iters, cur_iter)
    if pos == 0:
        return points[0][1]
    if pos == len(points):
        return points[-1][1]
    (it0, v0), (it1, v1) = points[pos - 1], points[pos]
    return v0 + (v1 - v0) * (cur_iter - it0) / (it1 - it0)


@HOOKS.register_module()
@reject_unknown_args
class DynamicThresholdHook(Hook):
    """EMA, schedule and rank synchronisation of the dynamic threshold.

    Args:
        momentum (float): EMA momentum of ``class_ema``
            (``ema = momentum * ema + (1 - momentum) * batch_value``), in
            [0, 1). Defaults to 0.999.
        min_pixels (int): Classes with fewer pixels in the global batch do
            not update their EMA. Defaults to 10.
        schedule (dict, optional): ``{'base' | 'beta' | 'tau_min' |
            'tau_max': [(iteration, value), ...]}``, linearly interpolated
            between the points and constant outside them; parameters not
            listed keep the threshold's config values. E.g. a warm-up that
            keeps every pixel at first: ``dict(tau_min=[(0, 0.0), (2895,
            0.3)], tau_max=[(0, 0.0), (2895, 0.8)])``. Defaults to None.
    """

    priority = 'NORMAL'

    def __init__(self,
                 momentum: float = 0.999,
                 min_pixels: int = 10,
                 schedule: Optional[dict] = None) -> None:
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}')
        if min_pixels < 0:
            raise ValueError(f'min_pixels must be >= 0, got {min_pixels}')
        self.momentum = momentum
        self.min_pixels = min_pixels
        self.schedule = _parse_schedule(schedule or {})
        self._config_params: Optional[Dict[str, float]] = None

    @staticmethod
    def _threshold(runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        threshold = getattr(model, 'threshold', None)
        if threshold is None or not hasattr(threshold, 'update_ema'):
            raise TypeError(
                'DynamicThresholdHook needs a segmentor with a '
                'DynamicThreshold (CWBASSSegmentor), got '
                f'{type(model).__name__}: remove the hook from custom_hooks')
        return threshold

    def params_at(self, cur_iter: int) -> Dict[str, float]:
        """``T0``, ``beta`` and the clamps at an iteration.

        Args:
            cur_iter (int): Current (0-based) iteration.

        Returns:
            dict[str, float]: Keyword arguments of ``set_params``.
        """
        params = dict(self._config_params)
        for name, points in self.schedule.items():
            params[name] = _interpolate(points, cur_iter)
        return params

    def before_train(self, runner) -> None:
        """Attach to the threshold and remember its configured values."""
        threshold = self._threshold(runner)
        threshold.hook_attached = True
        self._config_params = dict(
            base=threshold.base,
            beta=threshold.beta,
            tau_min=threshold.tau_min,
            tau_max=threshold.tau_max)
        # Linear pieces: valid clamps at every breakpoint are valid between
        # them, so a bad schedule fails now rather than mid-run.
        breakpoints = sorted({it for points in self.schedule.values()
                              for it, _ in points})
        for cur_iter in breakpoints:
            try:
                threshold.set_params(**self.params_at(cur_iter))
            except ValueError as error:
                raise ValueError(f'DynamicThresholdHook.schedule at '
                                 f'iteration {cur_iter}: {error}') from None
        threshold.set_params(**self.params_at(runner.iter))

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Apply the schedule for this iteration."""
        if self.schedule:
            self._threshold(runner).set_params(**self.params_at(runner.iter))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Fold this step's statistics into the EMA (all ranks agree)."""
        self._threshold(runner).update_ema(self.momentum, self.min_pixels)
