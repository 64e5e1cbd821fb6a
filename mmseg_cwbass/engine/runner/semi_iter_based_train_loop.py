"""Iteration-based training loop that resumes without reloading data.

mmengine's ``IterBasedTrainLoop`` resumes at iteration ``k`` by loading and
discarding ``k`` batches, which costs as long as the data loading of the
first ``k`` iterations and, because the discarded transforms draw from the
random state, does not reproduce the original augmentation. With a sampler
that can start anywhere (:meth:`MultiSourceSampler.set_start`) this loop
jumps straight to batch ``k`` instead.
"""
import logging

import torch
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator
from mmseg.registry import LOOPS


@LOOPS.register_module()
class SemiIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` with an O(1), exact jump on resume."""

    def _jump_to_current_iter(self) -> bool:
        """Restart the data stream at batch ``self._iter`` if possible."""
        sampler = getattr(self.dataloader, 'sampler', None)
        if not hasattr(sampler, 'set_start'):
            batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
            sampler = getattr(batch_sampler, 'sampler', None)
        if not hasattr(sampler, 'set_start'):
            return False
        sampler.set_start(self._iter)
        # A new DataLoader iterator draws its base seed from the global torch
        # generator; keep the restored stream (RandomStateHook) untouched.
        torch_state = torch.get_rng_state()
        self.dataloader_iterator = _InfiniteDataloaderIterator(
            self.dataloader)
        torch.set_rng_state(torch_state)
        return True

    def run(self):
        """Launch training (see ``IterBasedTrainLoop.run``)."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._iter > 0:
            if self._jump_to_current_iter():
                print_log(
                    f'Resuming the data stream at batch {self._iter}',
                    logger='current')
            else:
                print_log(
                    f'Advance dataloader {self._iter} steps to skip data '
                    'that has already been trained (the sampler cannot '
                    'jump)',
                    logger='current',
                    level=logging.WARNING)
                for _ in range(self._iter):
                    next(self.dataloader_iterator)
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model
