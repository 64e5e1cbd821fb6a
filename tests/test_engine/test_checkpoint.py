import os
import os.path as osp
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner import CheckpointLoader

from mmseg_cwbass.engine import checkpoint as checkpoint_module
from mmseg_cwbass.engine.checkpoint import (TEST_KILL_ENV, TRUST_ENV,
                                            CheckpointResumeError,
                                            CheckpointWriteError,
                                            UntrustedCheckpointError,
                                            checkpoint_problem,
                                            find_resume_checkpoint,
                                            load_checkpoint_file, trust_file,
                                            write_pointer)


@pytest.fixture(autouse=True)
def private_trust_store(tmp_path, monkeypatch):
    monkeypatch.setenv('MMSEG_CWBASS_TRUST_STORE',
                       str(tmp_path / 'trusted.txt'))
    monkeypatch.delenv(TRUST_ENV, raising=False)


def full_checkpoint():
    # numpy arrays are what makes mmengine's checkpoints fail weights_only
    return dict(state_dict={'w': torch.ones(2)},
                meta=dict(seed=np.array([1, 2])))


def test_plain_state_dict_loads_without_trust(tmp_path):
    path = tmp_path / 'plain.pth'
    torch.save({'state_dict': {'w': torch.ones(2)}}, path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


def test_untrusted_full_checkpoint_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / 'foreign.pth'
    torch.save(full_checkpoint(), path)
    with pytest.raises(UntrustedCheckpointError, match='foreign.pth'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    trust_file(str(path))
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['seed'].tolist() == [1, 2]


def test_env_opt_in(tmp_path, monkeypatch):
    path = tmp_path / 'foreign.pth'
    torch.save(full_checkpoint(), path)
    monkeypatch.setenv(TRUST_ENV, '1')
    assert load_checkpoint_file(str(path))['meta']['seed'].tolist() == [1, 2]


def test_atomic_backend_writes_trusted_checkpoints(tmp_path):
    import io
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    buffer = io.BytesIO()
    torch.save(full_checkpoint(), buffer)
    target = tmp_path / 'iter_10.pth'
    backend.put(buffer.getvalue(), str(target))
    assert sorted(os.listdir(tmp_path)) == ['iter_10.pth', 'trusted.txt']
    assert load_checkpoint_file(str(target))['meta']['seed'].tolist() == [1, 2]


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    target = tmp_path / 'latest.pth'
    torch.save({'w': torch.zeros(1)}, target)
    before = target.read_bytes()

    def crash(*args, **kwargs):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(OSError, match='disk full'):
        backend.put(b'partial', str(target))
    assert target.read_bytes() == before
    assert [f for f in os.listdir(tmp_path) if f.endswith('.tmp')] == []


def test_missing_and_truncated_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))
    path = tmp_path / 'cut.pth'
    torch.save({'w': torch.ones(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match='cut.pth'):
        load_checkpoint_file(str(path))
    assert osp.exists(path)


def test_trust_checkpoint_tool(tmp_path, run_cli):
    path = tmp_path / 'colleague.pth'
    torch.save(full_checkpoint(), path)
    with pytest.raises(UntrustedCheckpointError):
        load_checkpoint_file(str(path))
    proc = run_cli('misc/trust_checkpoint', path, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    assert 'trusted' in proc.stdout
    assert load_checkpoint_file(str(path))['meta']['seed'].tolist() == [1, 2]
    proc = run_cli('misc/trust_checkpoint', tmp_path / 'missing.pth')
    assert proc.returncode == 2 and 'does not exist' in proc.stderr


# --------------------------------------------------------------------------
# writes that fail or die half-way; auto-resume skips incomplete files
# --------------------------------------------------------------------------


def child_env(**extra):
    return dict(os.environ, PYTHONUNBUFFERED='1', **extra)

WRITE_UNDER_LIMIT = '''
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from mmengine.fileio import get_file_backend
from mmseg_cwbass.engine.checkpoint import CheckpointWriteError
target = sys.argv[1]
backend = get_file_backend(target, backend_args=dict(backend='atomic_local'))
try:
    backend.put(b'x' * 10000, target)
except CheckpointWriteError as error:
    print(error)
    sys.exit(3)
'''


def test_write_over_the_file_size_limit_names_folder_and_bytes(tmp_path):
    """RLIMIT_FSIZE with SIGXFSZ ignored: write() fails with EFBIG, as it
    fails with ENOSPC on a full disk; nothing already written is touched."""
    folder = tmp_path / 'ckpts'
    folder.mkdir()
    target = folder / 'iter_8.pth'
    target.write_bytes(b'previous checkpoint')
    proc = subprocess.run(
        [sys.executable, '-c', WRITE_UNDER_LIMIT, str(target)],
        capture_output=True, text=True, timeout=120, env=child_env())
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert f'in {folder}:' in proc.stdout
    assert '10,000 bytes' in proc.stdout
    assert 'errno 27' in proc.stdout  # EFBIG
    assert target.read_bytes() == b'previous checkpoint'
    assert os.listdir(folder) == ['iter_8.pth']


def test_full_disk_error_is_a_checkpoint_write_error(tmp_path, monkeypatch):
    """ENOSPC from the write itself: same error, temporary file removed."""
    import errno
    import io
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    target = tmp_path / 'iter_4.pth'
    real_fdopen = os.fdopen

    class FullDisk(io.BufferedWriter):

        def write(self, data):
            raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(
        os, 'fdopen', lambda fd, mode: FullDisk(real_fdopen(fd, 'wb', 0)))
    with pytest.raises(CheckpointWriteError) as info:
        backend.put(b'y' * 2048, str(target))
    assert info.value.errno == errno.ENOSPC
    assert info.value.nbytes == 2048
    assert info.value.folder == str(tmp_path)
    assert 'No space left on device' in str(info.value)
    assert sorted(os.listdir(tmp_path)) == []


KILL_IN_POINTER = '''
import sys
from mmseg_cwbass.engine.checkpoint import write_pointer
write_pointer(sys.argv[1], sys.argv[2])
'''


def test_killed_pointer_write_leaves_the_old_pointer(tmp_path):
    write_pointer(str(tmp_path), '/runs/a/iter_4.pth')
    env = child_env(**{TEST_KILL_ENV: 'last_checkpoint'})
    proc = subprocess.run(
        [sys.executable, '-c', KILL_IN_POINTER, str(tmp_path),
         '/runs/a/iter_8.pth'], capture_output=True, text=True,
        timeout=120, env=env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert (tmp_path / 'last_checkpoint').read_text() == '/runs/a/iter_4.pth'
    leftovers = [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]
    assert len(leftovers) == 1 and leftovers[0].startswith(
        '.last_checkpoint.')


@pytest.fixture
def resume_log(monkeypatch):
    messages = []
    monkeypatch.setattr(checkpoint_module, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


def save_kept(folder, step, mtime):
    path = folder / f'iter_{step}.pth'
    torch.save({'state_dict': {'w': torch.full((500, ), float(step))}}, path)
    os.utime(path, (mtime, mtime))
    return str(path)


def test_auto_resume_uses_the_pointer_when_complete(tmp_path, resume_log):
    save_kept(tmp_path, 4, 1000)
    eight = save_kept(tmp_path, 8, 2000)
    save_kept(tmp_path, 12, 3000)  # written, pointer not yet updated
    write_pointer(str(tmp_path), eight)
    assert find_resume_checkpoint(str(tmp_path)) == eight
    assert not any('skipping' in m for m in resume_log)


@pytest.mark.parametrize('damage', ['truncate', 'flip', 'empty'])
def test_auto_resume_skips_an_incomplete_checkpoint(tmp_path, resume_log,
                                                    damage):
    four = save_kept(tmp_path, 4, 1000)
    eight = save_kept(tmp_path, 8, 2000)
    data = open(eight, 'rb').read()
    if damage == 'truncate':
        data = data[:len(data) // 2]
    elif damage == 'flip':  # same size, one payload byte changed
        i = data.index(b'\x00\x00\x00A')  # inside the float payload
        data = data[:i] + b'\x01' + data[i + 1:]
    else:
        data = b''
    with open(eight, 'wb') as f:
        f.write(data)
    write_pointer(str(tmp_path), eight)
    assert checkpoint_problem(eight) is not None
    assert checkpoint_problem(four) is None
    assert find_resume_checkpoint(str(tmp_path)) == four
    skipped = [m for m in resume_log if 'skipping' in m]
    assert len(skipped) == 1 and eight in skipped[0]
    assert any(f'resuming from {four}' in m for m in resume_log)


def test_auto_resume_with_an_empty_pointer_or_none(tmp_path, resume_log):
    """mmengine's own pointer write can leave an empty file."""
    assert find_resume_checkpoint(str(tmp_path)) is None
    four = save_kept(tmp_path, 4, 1000)
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resume_checkpoint(str(tmp_path)) == four


def test_auto_resume_refuses_when_nothing_is_complete(tmp_path, resume_log):
    eight = save_kept(tmp_path, 8, 2000)
    with open(eight, 'r+b') as f:
        f.truncate(100)
    write_pointer(str(tmp_path), eight)
    with pytest.raises(CheckpointResumeError, match='iter_8.pth'):
        find_resume_checkpoint(str(tmp_path))


def test_auto_resume_after_the_run_was_moved(tmp_path, resume_log):
    """The pointer holds an absolute path into the old location."""
    write_pointer(str(tmp_path), str(tmp_path / 'gone' / 'iter_8.pth'))
    four = save_kept(tmp_path, 4, 1000)
    assert find_resume_checkpoint(str(tmp_path)) == four
    assert any('iter_8.pth: does not exist' in m for m in resume_log)
