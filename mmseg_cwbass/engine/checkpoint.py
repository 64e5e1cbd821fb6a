"""Checkpoint writing and loading policy.

Writing: the ``atomic_local`` file backend (set by our configs in
``default_hooks.checkpoint.backend_args``) writes a checkpoint to a temporary
file in the same folder, flushes it to disk and renames it over the target,
so a crash while saving never leaves a truncated file where a good one was;
a failed write (full disk, quota, file size limit) raises
:class:`CheckpointWriteError` naming the folder and the bytes needed.
``AtomicCheckpointHook`` writes the ``last_checkpoint`` pointer the same way
and removes old checkpoints only after the new one and the pointer are
complete; :func:`find_resume_checkpoint` (``tools/train.py --resume``) skips
incomplete checkpoints. The backend also records the SHA-256 of every
checkpoint it writes in the user's trust store.

Loading (every local ``load_from``/``--resume``/``tools/test.py``/
``init_model`` once ``mmseg_cwbass`` is imported): a checkpoint is first read
with ``torch.load(weights_only=True)``, which cannot run code. Full
checkpoints written by mmengine also hold Python objects (its message hub,
numpy arrays) that only full unpickling reads, and unpickling an untrusted
file can run arbitrary code. Such a file is therefore unpickled only if it is
trusted: its SHA-256 is in the trust store (we wrote it on this machine), or
the user opted in with ``MMSEG_CWBASS_TRUST_CHECKPOINTS=1`` or
``tools/misc/trust_checkpoint.py FILE``. Anything else fails with a message
that says so.
"""
import hashlib
import logging
import os
import os.path as osp
import pickle
import re
import shutil
import signal
import tempfile
import zipfile
from pathlib import Path
from typing import List, Optional, Tuple, Union

import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader

TRUST_ENV = 'MMSEG_CWBASS_TRUST_CHECKPOINTS'
TRUST_STORE_ENV = 'MMSEG_CWBASS_TRUST_STORE'
CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.ckpt')
TMP_SUFFIX = '.tmp'
# Test-only switch: the basename of a file whose write dies half-way with
# SIGKILL (tests/test_engine/test_fault_injection.py).
TEST_KILL_ENV = 'MMSEG_CWBASS_TEST_KILL_WRITING'


class UntrustedCheckpointError(RuntimeError):
    """A checkpoint needs full unpickling but nobody vouched for it."""


def trust_store_path() -> str:
    """Path of the trust store (one SHA-256 hex digest per line)."""
    default = osp.join(
        osp.expanduser('~'), '.cache', 'mmseg_cwbass',
        'trusted_checkpoints.txt')
    return os.environ.get(TRUST_STORE_ENV, default)


def file_sha256(path: str) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 22), b''):
            digest.update(chunk)
    return digest.hexdigest()


def trust_digest(digest: str) -> None:
    """Add a SHA-256 digest to the trust store."""
    store = trust_store_path()
    os.makedirs(osp.dirname(store) or '.', exist_ok=True)
    # One short line per append is atomic enough for concurrent writers.
    with open(store, 'a', encoding='utf-8') as f:
        f.write(digest + '\n')


def trust_file(path: str) -> str:
    """Vouch for a checkpoint file; returns its digest."""
    digest = file_sha256(path)
    trust_digest(digest)
    return digest


def is_trusted(path: str) -> bool:
    """Whether a checkpoint may be fully unpickled (see module docstring)."""
    if os.environ.get(TRUST_ENV, '') == '1':
        return True
    store = trust_store_path()
    if not osp.isfile(store):
        return False
    with open(store, encoding='utf-8') as f:
        trusted = {line.strip() for line in f}
    return file_sha256(path) in trusted


def load_checkpoint_file(filename: Union[str, Path],
                         map_location=None,
                         trust: Optional[bool] = None):
    """Load a local checkpoint under the policy of this module.

    Args:
        filename (str | Path): Path of the checkpoint.
        map_location: As for ``torch.load``.
        trust (bool, optional): True to allow full unpickling of this file,
            False to forbid it, None to consult the trust store.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: The file does not exist.
        UntrustedCheckpointError: The file needs full unpickling and is not
            trusted.
        RuntimeError: The file is not a readable checkpoint (truncated or
            corrupt), naming the file.
    """
    path = osp.expanduser(str(filename))
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file {path} does not exist')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as weights_only_error:
        allowed = is_trusted(path) if trust is None else trust
        if not allowed:
            raise UntrustedCheckpointError(
                f'checkpoint {path} holds Python objects besides tensors and '
                'was not written by mmseg_cwbass on this machine, so it is '
                'not unpickled (that could run code from the file). If you '
                'trust it, run `python tools/misc/trust_checkpoint.py '
                f'{path}` or set {TRUST_ENV}=1. Detail: '
                f'{str(weights_only_error).splitlines()[0]}'
            ) from weights_only_error
        try:
            return torch.load(
                path, map_location=map_location, weights_only=False)
        except Exception as error:  # noqa: BLE001 - re-raised with the path
            raise RuntimeError(
                f'cannot read checkpoint {path}: {error}') from error
    except (EOFError, RuntimeError, OSError) as error:
        raise RuntimeError(f'cannot read checkpoint {path} (truncated or not '
                           f'a torch checkpoint): {error}') from error


def _load_local(filename: str, map_location=None):
    return load_checkpoint_file(filename, map_location=map_location)


class CheckpointWriteError(OSError):
    """A checkpoint (or its pointer) could not be written.

    Raised for any ``OSError`` of the write (no space, quota, read-only
    folder, file size limit). The message names the folder and the bytes
    the file needs; the previous checkpoint and the pointer are untouched
    because nothing is renamed over them until the new file is complete.

    Attributes:
        folder (str): Folder of the file.
        nbytes (int): Size of the file that could not be written.
    """

    def __init__(self, path: str, nbytes: int, error: OSError) -> None:
        self.folder = osp.dirname(osp.abspath(path))
        self.nbytes = nbytes
        try:
            free = f'{shutil.disk_usage(self.folder).free:,} bytes free'
        except OSError:
            free = 'free space unknown'
        super().__init__(
            f'cannot write {osp.basename(path)} in {self.folder}: '
            f'{error.strerror or error} (errno {error.errno}); it needs '
            f'{nbytes:,} bytes ({free}; a quota, a read-only folder or a '
            'file size limit also stop it). The previous checkpoint and '
            'last_checkpoint are untouched: free space or point work_dir '
            'elsewhere, then resume with tools/train.py --resume.')
        self.errno = error.errno


def _fsync_folder(folder: str) -> None:
    """Persist a rename: fsync the folder (not possible on every OS)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str, data: bytes, before_rename=None) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    The data go to a hidden temporary file in the same folder, are flushed
    and fsynced, and the file is renamed over ``path``: a reader (or a run
    that resumes after a crash) sees the old file or the complete new one,
    never a truncated one.

    Args:
        path (str): Destination.
        data (bytes): Content.
        before_rename (callable, optional): Called once the data are on
            disk, before the rename.

    Raises:
        CheckpointWriteError: Any ``OSError`` of the write (the temporary
            file is removed, ``path`` is untouched).
    """
    folder = osp.dirname(osp.abspath(path))
    tmp_path = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(
            prefix='.' + osp.basename(path) + '.', suffix=TMP_SUFFIX,
            dir=folder)
        with os.fdopen(fd, 'wb') as f:
            if os.environ.get(TEST_KILL_ENV) == osp.basename(path):
                # Test-only: die half-way through the write (a node that
                # fails while a checkpoint is being written).
                f.write(data[:len(data) // 2])
                f.flush()
                os.fsync(f.fileno())
                os.kill(os.getpid(), signal.SIGKILL)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if before_rename is not None:
            before_rename()
        os.replace(tmp_path, path)
        tmp_path = None
        _fsync_folder(folder)
    except OSError as error:
        raise CheckpointWriteError(path, len(data), error) from error
    finally:
        if tmp_path is not None and osp.exists(tmp_path):
            os.remove(tmp_path)


class AtomicLocalBackend(LocalBackend):
    """Local file backend whose ``put`` is atomic and records trust.

    Select it with ``backend_args=dict(backend='atomic_local')``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` with :func:`atomic_write`.

        Args:
            obj (bytes): Data to write.
            filepath (str | Path): Destination.

        Raises:
            CheckpointWriteError: The write failed (names the folder and
                the bytes needed); nothing was replaced.
        """
        filepath = str(filepath)
        before_rename = None
        if filepath.endswith(CHECKPOINT_SUFFIXES):
            digest = hashlib.sha256(obj).hexdigest()
            before_rename = lambda: trust_digest(digest)  # noqa: E731
        atomic_write(filepath, obj, before_rename)




POINTER_FILE = 'last_checkpoint'
# Names CheckpointHook gives the checkpoints it keeps (its filename_tmpl).
_KEPT_NAME = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


class CheckpointResumeError(RuntimeError):
    """Auto-resume found checkpoints but none of them is complete."""


def write_pointer(work_dir: str, checkpoint_path: str) -> None:
    """Point ``work_dir/last_checkpoint`` at a checkpoint, atomically.

    The same file and content as mmengine's ``CheckpointHook`` (which writes
    it with a plain ``open('w')``, so a crash can leave it empty).
    """
    atomic_write(osp.join(work_dir, POINTER_FILE), checkpoint_path.encode())


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from, or None if it is complete.

    A torch checkpoint is a zip archive: a truncated file has no central
    directory and a corrupt one fails the CRC of a member. Both checks read
    the file once without unpickling anything.

    Args:
        path (str): Checkpoint file.

    Returns:
        str | None: The problem, or None.
    """
    if not osp.isfile(path):
        return 'does not exist'
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            return None if bad is None else f'member {bad} is corrupt'
        # Not a zip archive: torch's legacy format, or a truncated file.
        load_checkpoint_file(path, map_location='cpu')
    except Exception as error:  # noqa: BLE001 - the reason is reported
        return f'unreadable: {str(error).splitlines()[0]}'
    return None


def _kept_checkpoints(folder: str) -> List[Tuple[float, int, str]]:
    if not osp.isdir(folder):
        return []
    found = []
    for name in os.listdir(folder):
        match = _KEPT_NAME.match(name)
        if match:
            path = osp.join(folder, name)
            found.append((osp.getmtime(path), int(match.group(1)), path))
    return sorted(found, reverse=True)


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` (without a path) continues from.

    The file named by ``work_dir/last_checkpoint`` if it is complete,
    otherwise the newest complete ``iter_*.pth``/``epoch_*.pth`` beside it
    (newest written first), then in ``work_dir`` (a run moved elsewhere).
    Every file skipped is named in the log.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str | None: The checkpoint, or None if the run has none (a new run).

    Raises:
        CheckpointResumeError: Checkpoints exist but none is complete.
    """
    target = None
    pointer = osp.join(work_dir, POINTER_FILE)
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            target = f.read().strip() or None
    # The pointer's folder (a checkpoint hook's out_dir) and the work dir,
    # which is the only one left if the run was moved elsewhere.
    folders = [osp.dirname(target)] if target else []
    folders += [work_dir] if osp.abspath(work_dir) not in map(
        osp.abspath, folders) else []
    candidates = [target] if target else []
    for folder in folders:
        candidates += [
            p for _, _, p in _kept_checkpoints(folder) if p != target
        ]
    skipped = []
    for path in candidates:
        problem = checkpoint_problem(path)
        if problem is None:
            print_log(f'auto-resume: resuming from {path}', logger='current')
            if skipped:
                print_log(
                    f'auto-resume: skipped {len(skipped)} incomplete '
                    f'checkpoint(s) {skipped}; resuming from {path}',
                    logger='current', level=logging.WARNING)
            return path
        skipped.append(f'{path} ({problem})')
        print_log(f'auto-resume: skipping {path}: {problem}',
                  logger='current', level=logging.WARNING)
    if skipped:
        raise CheckpointResumeError(
            f'no complete checkpoint to resume from in {folders}: skipped '
            f'{skipped}. Pass a checkpoint with --resume PATH, or remove '
            f'{pointer} to train from scratch.')
    print_log(f'auto-resume: no checkpoint in {work_dir}; training from the '
              'start', logger='current')
    return None


register_backend('atomic_local', AtomicLocalBackend, force=True)
# The '' prefix is mmengine's loader for local paths: replace it with ours.
CheckpointLoader.register_scheme(prefixes='', loader=_load_local, force=True)
