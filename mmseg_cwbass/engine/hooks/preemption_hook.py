"""Checkpoint and stop cleanly when the cluster preempts the job.

Slurm (and most schedulers) warn a job before they kill it: SIGTERM, or a
chosen signal some time ahead (``sbatch --signal=USR1@90``). mmengine
ignores these, so everything since the last interval checkpoint is lost
(up to a tenth of a run with the shipped intervals). This hook turns the
signal into: finish the current iteration, write a complete checkpoint of
it (the normal checkpoint with everything our hooks add: teacher,
threshold state, RNG, sampler position), point ``last_checkpoint`` at it
and exit with :data:`PREEMPTED_EXIT_CODE`, so a job script can requeue and
``tools/train.py --resume`` continues bit-exactly (docs/cluster.md).
"""
import os.path as osp
import signal
import sys
from typing import Optional, Sequence

import torch
from mmengine.dist import all_reduce, barrier, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmseg.registry import HOOKS

from ...utils.config_keys import reject_unknown_args

# EX_TEMPFAIL of sysexits.h: "temporary failure, try again later".
PREEMPTED_EXIT_CODE = 75


@HOOKS.register_module()
@reject_unknown_args
class PreemptionHook(Hook):
    """On a signal, checkpoint the finished iteration and exit.

    The handlers are installed when the hook is built (before the runner
    starts dataloader workers, which inherit them: a signal sent to the
    whole process group then does not kill the workers under the main
    process); a runner that tests or validates without training gets the
    previous handlers back, with any signal received meanwhile. A handler
    only records the signal; the hook acts after the
    iteration, once every other hook has run (``priority='LOWEST'``).
    Across ranks the decision is one ``all_reduce`` (max) every
    ``check_interval`` iterations, so all ranks stop after the same
    iteration; rank 0 writes the checkpoint through the run's
    ``CheckpointHook`` and a barrier keeps the other ranks alive until it
    is complete. Further signals during the save are only logged. The
    validation due at that iteration (if any) still runs; the process then
    exits with ``exit_code`` at the end of ``runner.train()``.

    Args:
        signals (Sequence[str]): Signal names to handle.
            Defaults to ``('SIGTERM', 'SIGUSR1')``.
        exit_code (int): Exit status after a preemption checkpoint.
            Defaults to 75 (``EX_TEMPFAIL``).
        check_interval (int): Iterations between the ranks' agreement on a
            stop (1 = stop after the iteration the signal arrived in).
            Defaults to 1.
    """

    priority = 'LOWEST'

    def __init__(self,
                 signals: Sequence[str] = ('SIGTERM', 'SIGUSR1'),
                 exit_code: int = PREEMPTED_EXIT_CODE,
                 check_interval: int = 1) -> None:
        if isinstance(signals, str):
            signals = [signals]
        numbers = []
        for name in signals:
            number = getattr(signal, str(name), None)
            if not isinstance(number, signal.Signals) or name in (
                    'SIGKILL', 'SIGSTOP'):
                raise ValueError(
                    f'PreemptionHook.signals: {name!r} is not a signal that '
                    "can be handled (e.g. 'SIGTERM', 'SIGUSR1')")
            numbers.append(number)
        if not 0 < int(exit_code) < 256:
            raise ValueError(
                f'PreemptionHook.exit_code must be in 1..255, got {exit_code}')
        if int(check_interval) < 1:
            raise ValueError('PreemptionHook.check_interval must be >= 1, '
                             f'got {check_interval}')
        self.exit_code = int(exit_code)
        self.check_interval = int(check_interval)
        self.received = []
        self.stopped_at: Optional[int] = None
        self._training = False
        self._previous = {}
        for number in numbers:
            self._previous[number] = signal.signal(number, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        # Only record: logging or saving here could deadlock or interrupt
        # a write half-way.
        self.received.append(signal.Signals(signum).name)

    def _agreed_stop(self) -> bool:
        """Whether any rank received a signal (the same answer on all)."""
        flag = torch.tensor([1 if self.received else 0])
        if get_world_size() > 1:
            all_reduce(flag, op='max')
        return bool(flag.item())

    def _checkpoint_hook(self, runner) -> CheckpointHook:
        hook = next(
            (h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
        if hook is None or hook.by_epoch:
            raise RuntimeError(
                'PreemptionHook saves through an iteration-based '
                'CheckpointHook (default_hooks.checkpoint with '
                'by_epoch=False); this run has '
                f'{"none" if hook is None else "by_epoch=True"}')
        return hook

    def before_train(self, runner) -> None:
        """Fail now, not at the signal, if there is nothing to save with."""
        self._checkpoint_hook(runner)
        self._training = True

    def after_train(self, runner) -> None:
        self._training = False

    def _give_back(self) -> None:
        """Restore the previous handlers and hand them the signals that
        arrived meanwhile (a run that does not train: ``tools/test.py``
        must still stop on SIGTERM)."""
        previous, self._previous = self._previous, {}
        for number, handler in previous.items():
            signal.signal(number, handler)
        pending, self.received = self.received, []
        for name in dict.fromkeys(pending):
            signal.raise_signal(getattr(signal, name))

    def before_val(self, runner) -> None:
        """A validation outside training: signals act as without the hook."""
        if not self._training:
            self._give_back()

    def before_test(self, runner) -> None:
        """A test run: signals act as without the hook."""
        if not self._training:
            self._give_back()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Checkpoint and stop if a rank was signalled."""
        if self.stopped_at is not None:
            return
        if (runner.iter + 1) % self.check_interval != 0 and \
                runner.iter + 1 < runner.max_iters:
            return
        if not self._agreed_stop():
            return
        step = runner.iter + 1
        if step >= runner.max_iters:
            # The run is complete (its last checkpoint is being written
            # anyway): finish normally, nothing to resume.
            self.received = []
            runner.logger.warning('preemption signal at the last iteration: '
                                  'training completes normally')
            return
        runner.logger.warning(
            f'preemption signal {self.received or "(on another rank)"}: '
            f'saving a checkpoint of iteration {step}, then exiting with '
            f'{self.exit_code}')
        checkpoint_hook = self._checkpoint_hook(runner)
        this_step = checkpoint_hook.filename_tmpl.format(step)
        last = checkpoint_hook.last_ckpt
        if not (last and osp.basename(str(last)) == this_step):
            # (else the interval checkpoint of this step is already written)
            checkpoint_hook._save_checkpoint(runner)
        # Nobody exits (which ends the job under torchrun) before rank 0
        # has written the checkpoint and the pointer.
        barrier()
        self.stopped_at = step
        runner.train_loop.stop_training = True
        runner.logger.warning(f'preemption checkpoint of iteration {step} '
                              f'is complete: {checkpoint_hook.last_ckpt}')

    def after_run(self, runner) -> None:
        """Restore the handlers; exit with ``exit_code`` after a stop."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}
        if self.stopped_at is not None:
            runner.logger.warning(
                f'stopped by preemption after iteration {self.stopped_at}; '
                f'exit status {self.exit_code}. Resume with '
                '`tools/train.py CONFIG --resume` (docs/cluster.md).')
            sys.exit(self.exit_code)
