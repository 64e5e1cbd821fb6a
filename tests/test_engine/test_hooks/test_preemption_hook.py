"""PreemptionHook on one process: a signal makes it checkpoint the finished
iteration through the run's CheckpointHook, stop the loop and exit with 75.
(The whole path through tools/train.py, several ranks excepted, is in
tests/test_tools/test_fault_injection.py.)"""
import os
import signal
from types import SimpleNamespace

import pytest
from mmengine.hooks import CheckpointHook

from mmseg_cwbass.engine.hooks import PREEMPTED_EXIT_CODE, PreemptionHook


class RecordingCheckpointHook(CheckpointHook):

    def __init__(self):
        super().__init__(interval=4, by_epoch=False)
        self.saved = []

    def _save_checkpoint(self, runner):
        self.saved.append(runner.iter + 1)
        self.last_ckpt = f'/work/iter_{runner.iter + 1}.pth'


def stub_runner(checkpoint_hook, max_iters=20):
    logs = []
    logger = SimpleNamespace(warning=logs.append, info=logs.append)
    return SimpleNamespace(
        hooks=[checkpoint_hook], iter=0, max_iters=max_iters, logger=logger,
        logs=logs, train_loop=SimpleNamespace(stop_training=False))


@pytest.fixture
def hook():
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM,
                                                 signal.SIGUSR1)}
    made = []

    def make(**kwargs):
        made.append(PreemptionHook(**kwargs))
        return made[-1]

    yield make
    for number, handler in previous.items():
        signal.signal(number, handler)


def run_iters(hook, runner, iters):
    for it in iters:
        runner.iter = it
        hook.after_train_iter(runner, it)
        if runner.train_loop.stop_training:
            return it


def test_signal_checkpoints_the_finished_iteration_and_exits_75(hook):
    preemption = hook()
    ckpt = RecordingCheckpointHook()
    runner = stub_runner(ckpt)
    preemption.before_train(runner)
    assert run_iters(preemption, runner, range(0, 5)) is None
    os.kill(os.getpid(), signal.SIGUSR1)  # arrives during iteration 5
    assert run_iters(preemption, runner, range(5, 20)) == 5
    assert ckpt.saved == [6]  # the state after iteration 5 (0-based)
    assert preemption.stopped_at == 6
    with pytest.raises(SystemExit) as exit_info:
        preemption.after_run(runner)
    assert exit_info.value.code == PREEMPTED_EXIT_CODE == 75
    # Handlers restored: the default handler of SIGUSR1 is back.
    assert signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL


def test_second_signal_during_the_save_is_only_recorded(hook):
    preemption = hook()
    ckpt = RecordingCheckpointHook()
    real_save = ckpt._save_checkpoint

    def save_interrupted(runner):
        os.kill(os.getpid(), signal.SIGTERM)  # the scheduler insists
        real_save(runner)

    ckpt._save_checkpoint = save_interrupted
    runner = stub_runner(ckpt)
    os.kill(os.getpid(), signal.SIGTERM)
    assert run_iters(preemption, runner, range(0, 20)) == 0
    assert ckpt.saved == [1]
    assert preemption.received == ['SIGTERM', 'SIGTERM']
    preemption.after_train_iter(runner, 1)  # nothing more after the stop
    assert ckpt.saved == [1]


def test_interval_checkpoint_of_the_same_step_is_not_written_twice(hook):
    preemption = hook()
    ckpt = RecordingCheckpointHook()
    runner = stub_runner(ckpt)
    runner.iter = 3
    ckpt._save_checkpoint(runner)  # the interval save of iteration 4
    os.kill(os.getpid(), signal.SIGTERM)
    preemption.after_train_iter(runner, 3)
    assert ckpt.saved == [4] and preemption.stopped_at == 4


def test_check_interval_and_no_signal(hook):
    preemption = hook(signals=['SIGUSR1'], exit_code=99, check_interval=4)
    ckpt = RecordingCheckpointHook()
    runner = stub_runner(ckpt)
    assert run_iters(preemption, runner, range(0, 20)) is None
    os.kill(os.getpid(), signal.SIGUSR1)
    assert run_iters(preemption, runner, range(4, 20)) == 7
    assert ckpt.saved == [8]
    with pytest.raises(SystemExit) as exit_info:
        preemption.after_run(runner)
    assert exit_info.value.code == 99


def test_no_signal_no_exit(hook):
    preemption = hook()
    runner = stub_runner(RecordingCheckpointHook())
    run_iters(preemption, runner, range(0, 20))
    preemption.after_run(runner)  # returns normally


@pytest.mark.parametrize('kwargs,match', [
    (dict(signals=['SIGKILL']), 'SIGKILL'),
    (dict(signals=['SIGTREM']), 'SIGTREM'),
    (dict(exit_code=0), 'exit_code'),
    (dict(check_interval=0), 'check_interval'),
    (dict(signal=['SIGTERM']), "did you mean 'signals'"),
])
def test_bad_arguments(hook, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        hook(**kwargs)


def test_needs_an_iteration_based_checkpoint_hook(hook):
    preemption = hook()
    runner = stub_runner(CheckpointHook(interval=1, by_epoch=True))
    with pytest.raises(RuntimeError, match='by_epoch=True'):
        preemption.before_train(runner)


def test_signal_in_the_last_iteration_finishes_normally(hook):
    preemption = hook()
    ckpt = RecordingCheckpointHook()
    runner = stub_runner(ckpt, max_iters=8)
    os.kill(os.getpid(), signal.SIGTERM)
    assert run_iters(preemption, runner, [7]) is None
    assert ckpt.saved == [] and preemption.stopped_at is None
    preemption.after_run(runner)  # no SystemExit: the run is complete


@pytest.mark.parametrize('stage', ['before_test', 'before_val'])
def test_a_run_that_does_not_train_gets_its_handlers_back(hook, stage):
    """tools/test.py builds a runner from the same config: SIGTERM must
    still do what it did before (here: a handler of the caller's)."""
    seen = []
    signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    preemption = hook()
    os.kill(os.getpid(), signal.SIGTERM)  # while the runner is being built
    assert seen == [] and preemption.received == ['SIGTERM']
    getattr(preemption, stage)(stub_runner(RecordingCheckpointHook()))
    assert seen == [signal.SIGTERM]  # delivered to the caller's handler
    os.kill(os.getpid(), signal.SIGTERM)
    assert seen == [signal.SIGTERM] * 2 and preemption.received == []


def test_validation_during_training_keeps_the_handlers(hook):
    preemption = hook()
    runner = stub_runner(RecordingCheckpointHook())
    preemption.before_train(runner)
    preemption.before_val(runner)
    os.kill(os.getpid(), signal.SIGTERM)
    assert preemption.received == ['SIGTERM']
