"""AtomicCheckpointHook: checkpoint, then pointer, then removal of the old
one; a failed save leaves the previous checkpoint and pointer as they were."""
import os
import os.path as osp

import pytest
from mmengine.fileio import get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub, MMLogger

from mmseg_cwbass.engine.checkpoint import CheckpointWriteError
from mmseg_cwbass.engine.hooks import AtomicCheckpointHook
from mmseg_cwbass.engine.hooks import atomic_checkpoint_hook as hook_module


class StubRunner:
    """What CheckpointHook uses of a runner; saves write the file atomically
    and record the folder as it was when each write happened."""

    def __init__(self, work_dir, fail_at=None):
        self.work_dir = str(work_dir)
        self.message_hub = MessageHub.get_instance(f'stub-{id(self)}')
        self.logger = MMLogger.get_instance(f'stub-{id(self)}')
        self.iter = 0
        self.epoch = 0
        self.max_iters = 100
        self.fail_at = fail_at
        self.events = []

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        self.events.append(('save ' + filename, sorted(os.listdir(out_dir))))
        if filename == self.fail_at:
            raise CheckpointWriteError(
                osp.join(out_dir, filename), 1234,
                OSError(28, 'No space left on device'))
        backend = get_file_backend(
            out_dir, backend_args=dict(backend='atomic_local'))
        backend.put(f'weights of {filename}'.encode(),
                    osp.join(out_dir, filename))


@pytest.fixture(autouse=True)
def private_trust_store(tmp_path, monkeypatch):
    monkeypatch.setenv('MMSEG_CWBASS_TRUST_STORE',
                       str(tmp_path.parent / f'{tmp_path.name}-trust.txt'))


@pytest.fixture
def pointer_events(monkeypatch):
    """Record the folder at every pointer write."""
    real = hook_module.write_pointer
    events = []

    def write_pointer(work_dir, path):
        events.append((osp.basename(path), sorted(os.listdir(work_dir))))
        real(work_dir, path)

    monkeypatch.setattr(hook_module, 'write_pointer', write_pointer)
    return events


def train_to(hook, runner, last_iter):
    for it in range(runner.iter, last_iter):
        runner.iter = it
        hook.after_train_iter(runner, it)
    runner.iter = last_iter


def pointer(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return osp.basename(f.read())


def make_hook(cls=AtomicCheckpointHook, **kwargs):
    args = dict(interval=4, by_epoch=False, max_keep_ckpts=1,
                backend_args=dict(backend='atomic_local'))
    args.update(kwargs)
    return cls(**args)


def test_old_checkpoint_goes_after_the_new_one_and_the_pointer(
        tmp_path, pointer_events):
    runner = StubRunner(tmp_path)
    hook = make_hook()
    hook.before_train(runner)
    train_to(hook, runner, 8)
    assert runner.events == [('save iter_4.pth', []),
                             ('save iter_8.pth',
                              ['iter_4.pth', 'last_checkpoint'])]
    # The pointer moves once the new checkpoint is complete, and the old
    # checkpoint is still there at that moment.
    assert pointer_events[1] == ('iter_8.pth', [
        'iter_4.pth', 'iter_8.pth', 'last_checkpoint'])
    assert sorted(os.listdir(tmp_path)) == ['iter_8.pth', 'last_checkpoint']
    assert pointer(tmp_path) == 'iter_8.pth'
    assert runner.message_hub.get_info('keep_ckpt_ids') == [8]


def test_mmengine_hook_removes_first_which_this_hook_fixes(tmp_path):
    """The reason for the subclass: mmengine 0.10.7 deletes the only kept
    checkpoint before it writes the next one."""
    runner = StubRunner(tmp_path)
    hook = make_hook(CheckpointHook)
    hook.before_train(runner)
    train_to(hook, runner, 8)
    assert runner.events[1] == ('save iter_8.pth', ['last_checkpoint'])


def test_failed_save_keeps_previous_checkpoint_and_pointer(tmp_path):
    runner = StubRunner(tmp_path, fail_at='iter_8.pth')
    hook = make_hook()
    hook.before_train(runner)
    train_to(hook, runner, 4)
    before = open(tmp_path / 'iter_4.pth', 'rb').read()
    with pytest.raises(CheckpointWriteError, match='1,234 bytes'):
        train_to(hook, runner, 8)
    assert sorted(os.listdir(tmp_path)) == ['iter_4.pth', 'last_checkpoint']
    assert open(tmp_path / 'iter_4.pth', 'rb').read() == before
    assert pointer(tmp_path) == 'iter_4.pth'


def test_new_best_is_written_before_the_old_best_goes(tmp_path):
    runner = StubRunner(tmp_path)
    hook = make_hook(save_best='acc', rule='greater')
    hook.before_train(runner)
    train_to(hook, runner, 4)
    hook.after_val_epoch(runner, {'acc': 0.5})
    train_to(hook, runner, 8)
    hook.after_val_epoch(runner, {'acc': 0.7})
    saves = dict(runner.events)
    assert 'best_acc_iter_4.pth' in saves['save best_acc_iter_8.pth']
    assert sorted(os.listdir(tmp_path)) == [
        'best_acc_iter_8.pth', 'iter_8.pth', 'last_checkpoint']
    # The backend's own remove is back in place afterwards.
    assert 'remove' not in vars(hook.file_backend)


def test_before_train_clears_unfinished_writes(tmp_path):
    for name in ('.iter_8.pth.a1b2.tmp', '.last_checkpoint.c3d4.tmp',
                 '.notes.txt.e5f6.tmp', 'iter_4.pth'):
        (tmp_path / name).write_bytes(b'x')
    hook = make_hook()
    hook.before_train(StubRunner(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ['.notes.txt.e5f6.tmp',
                                            'iter_4.pth']
