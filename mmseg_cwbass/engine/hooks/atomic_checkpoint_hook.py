"""mmengine's ``CheckpointHook`` with every file written in a safe order.

mmengine 0.10.7's hook removes the oldest kept checkpoint BEFORE it writes
the new one and writes ``last_checkpoint`` with a plain ``open('w')``: with
``max_keep_ckpts=1`` a crash during the save leaves no complete checkpoint,
and a crash during the pointer write leaves an empty pointer. This hook
writes the new checkpoint (atomically, through the ``atomic_local``
backend), then the pointer (atomically), and only then removes what is no
longer kept; a new best checkpoint likewise replaces the previous best only
once it is written.
"""
import glob
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

from ..checkpoint import POINTER_FILE, TMP_SUFFIX, write_pointer


class _DeferRemovals:
    """Collect ``file_backend.remove`` calls of a block and run them after.

    mmengine's best-checkpoint code removes the previous best before it
    saves the new one; shadowing the backend's ``remove`` for the block
    turns that into "save, then remove".
    """

    def __init__(self, backend) -> None:
        self.backend = backend
        self.paths = []

    def __enter__(self):
        self.backend.remove = self.paths.append
        return self

    def __exit__(self, exc_type, exc, tb):
        del self.backend.remove  # back to the class's method
        if exc_type is None:
            for path in self.paths:
                self.backend.remove(path)
        return False


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that never leaves a run without a complete
    checkpoint.

    Same arguments as mmengine's ``CheckpointHook``; use it with
    ``backend_args=dict(backend='atomic_local')`` so the checkpoint itself
    is written atomically too. Order of a save: checkpoint, pointer, then
    removal of checkpoints beyond ``max_keep_ckpts``. Temporary files left
    by a process killed during a write are removed when training starts.
    """

    def before_train(self, runner) -> None:
        """Set up as mmengine does, then clear temporary files of a crash."""
        super().before_train(runner)
        if not is_main_process():
            return
        for folder in {self.out_dir, runner.work_dir}:
            for path in glob.glob(osp.join(folder, '.*' + TMP_SUFFIX)):
                name = osp.basename(path)[1:]
                if name.startswith(POINTER_FILE) or '.pth.' in name:
                    os.remove(path)
                    runner.logger.warning(
                        f'removed {path}, the unfinished write of a '
                        'process that was killed while saving')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        """Save, point ``last_checkpoint`` at it, then drop the oldest."""
        stale = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            # Before the save, as mmengine does: the checkpoint records the
            # list it belongs to, so a resumed run removes the right files.
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        write_pointer(runner.work_dir, self.last_ckpt)
        if stale is not None and stale != step:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(stale))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                # checkpoints saved by deepspeed are directories
                self.file_backend.rmtree(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """mmengine's best-checkpoint logic, removing the old best last."""
        with _DeferRemovals(self.file_backend):
            super()._save_best_checkpoint(runner, metrics)
