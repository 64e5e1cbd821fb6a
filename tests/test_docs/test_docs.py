# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The documentation is tested: every shell command and every link.

Every fenced ``bash`` block of ``README.md`` and ``docs/*.md`` is one test:

* a block whose first line is ``# needs ...`` (real data, a GPU, ...) or
  ``# long: ...`` is checked by name: every script it runs exists, every
  config it names builds (``Config.fromfile``), every ``--option`` it gives a
  tool is in that tool's ``--help``, every make target exists;
* any other block runs, with ``bash -e``, in one fresh copy of the
  repository (its ``git ls-files``, as a clone has them) that holds the toy
  data ``make demo`` writes (smaller: 16 train and 3 val images), the
  blocks in the order a reader meets them (the README, then the guides in
  ``GUIDE_ORDER``). What keeps it tiny is applied here, not in the docs:
  ``tools/train.py`` gets ``TINY_TRAIN`` (2 iterations), and a documented
  ``iter_<N>.pth`` is the ``iter_2.pth`` that run writes.

Every relative link and ``#anchor`` of the same files must resolve (GitHub
heading slugs), every guide must be linked from the README, and the README
stays an overview (``README_MAX_LINES``).
"""
import concurrent.futures
import functools
import os
import os.path as osp
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The guides in the order a newcomer reads them after the README; a guide
#: not listed here comes after these, alphabetically.
GUIDE_ORDER = ('data.md', 'training.md', 'custom_dataset.md', 'export.md',
               'results.md', 'cwbass.md', 'visualization.md', 'demo.md',
               'benchmark.md', 'troubleshooting.md')
README_MAX_LINES = 250
#: Appended (or put right after the command's own ``--cfg-options``) to every
#: ``tools/train.py`` command that runs: 2 iterations of 2 labeled + 2
#: unlabeled images, validated and saved at the end.
TINY_TRAIN = [
    'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
    'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
    'train_dataloader.batch_size=4', 'train_dataloader.sampler.batch_size=4',
    'train_dataloader.sampler.source_ratio=[2,2]'
]
TINY_CHECKPOINT = 'iter_2.pth'
#: The toy data of ``make demo`` (``tools/misc/demo_utils.py``), smaller.
TOY_DATA = dict(num_train=16, num_val=3, image_size=(48, 64))
MARKER = re.compile(r'^# (needs \S.*|long: \S.*)$')
#: Blocks that do not run may only use variables whose value is known here.
#: MMSEG_CWBASS_*: a non-editable install ships configs/ and tools/ as they
#: are in the repository (tests/test_configs/test_packaging.py).
KNOWN_VARS = ('MMSEG_TOOLS', 'MMSEG_CONFIGS', 'MMSEG_CWBASS_CONFIGS',
              'MMSEG_CWBASS_TOOLS', 'OUT')
#: Files a documented command writes before another one uses them:
#: path -> (the script that writes it, a text that script contains).
GENERATED = {'.whl/install.sh': ('tools/misc/offline_bundle.sh', 'install.sh')}
#: The two launch scripts pass their extra arguments to these tools.
LAUNCHERS = {'tools/dist_train.sh': ('tools/train.py', 2),
             'tools/dist_test.sh': ('tools/test.py', 3)}
PLAIN_COMMANDS = ('cat', 'ls', 'cp', 'echo')
ASSIGNMENT = re.compile(r'^(export\s+)?([A-Za-z_]\w*)=(\$\(.*\)|\S*)$')


# ---------------------------------------------------------------------------
# collecting the blocks


@dataclass
class Block:
    """One fenced ``bash`` block of a markdown file."""
    doc: str  # path relative to the repository
    line: int  # line of the opening fence (1-based)
    lines: List[str]
    marker: Optional[str] = None  # the ``# needs ...`` / ``# long: ...`` line

    @property
    def name(self) -> str:
        return f'{self.doc}:{self.line}'


def doc_files() -> List[str]:
    """README.md, then the guides in reading order."""
    guides = sorted(f for f in os.listdir(osp.join(REPO, 'docs'))
                    if f.endswith('.md'))
    order = {name: i for i, name in enumerate(GUIDE_ORDER)}
    guides.sort(key=lambda f: (order.get(f, len(order)), f))
    return ['README.md'] + [f'docs/{f}' for f in guides]


FENCE = re.compile(r'^(\s*)(`{3,})\s*([\w+-]*)\s*$')


def fenced_blocks(text: str) -> List[Tuple[int, str, List[str]]]:
    """``(line, language, dedented lines)`` of every fenced code block."""
    blocks, current = [], None
    for number, line in enumerate(text.split('\n'), 1):
        match = FENCE.match(line)
        if current is None:
            if match:
                current = (number, match[3], len(match[1]), match[2], [])
        elif match and match[2] == current[3] and not match[3]:
            blocks.append((current[0], current[1], current[4]))
            current = None
        else:
            indent = current[2]
            current[4].append(line[indent:] if line[:indent].strip() == ''
                              else line)
    assert current is None, f'unclosed code fence at line {current[0]}'
    return blocks


def collect_blocks() -> List[Block]:
    blocks = []
    for doc in doc_files():
        with open(osp.join(REPO, doc), encoding='utf-8') as f:
            text = f.read()
        for line, lang, lines in fenced_blocks(text):
            if lang != 'bash':
                continue
            first = next((x.strip() for x in lines if x.strip()), '')
            marker = first if MARKER.match(first) else None
            blocks.append(Block(doc, line, lines, marker))
    return blocks


BLOCKS = collect_blocks()


def strip_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (outside quotes)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in '"\'':
            quote = char
        elif char == '#' and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def commands(block: Block) -> List[str]:
    """The block's commands: continuation lines joined, comments dropped."""
    result, pending = [], ''
    for raw in block.lines:
        line = strip_comment(raw).strip()
        if line.endswith('\\'):
            pending += line[:-1].rstrip() + ' '
            continue
        line = (pending + line).strip()
        pending = ''
        if line:
            result.append(line)
    assert not pending, f'{block.name}: a line continues past the block'
    return result


# ---------------------------------------------------------------------------
# the fresh copy and the runs


def tool_env(root: str, trust_store: str) -> Dict[str, str]:
    """The environment ``source .venv/bin/activate`` gives, in the copy."""
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['VIRTUAL_ENV'] = sys.prefix
    # The copy's package, not the one an editable install points at.
    env['PYTHONPATH'] = root
    env['MMSEG_CWBASS_TRUST_STORE'] = trust_store
    env.pop('MMSEG_CWBASS_TRUST_CHECKPOINTS', None)
    env['PYTHONUNBUFFERED'] = '1'
    return env


def copy_repository(target: str) -> None:
    """The files a clone has (tracked, and new files not ignored)."""
    listed = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others',
         '--exclude-standard'],
        cwd=REPO, capture_output=True, text=True, check=True).stdout
    for rel in filter(None, listed.split('\0')):
        src = osp.join(REPO, rel)
        if not osp.isfile(src):  # deleted in the working tree
            continue
        dst = osp.join(target, rel)
        os.makedirs(osp.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def write_toy_data(root: str) -> None:
    """What ``make demo`` leaves in ``data/``, with fewer, smaller images."""
    import importlib.util
    path = osp.join(root, 'tools', 'misc', 'demo_utils.py')
    spec = importlib.util.spec_from_file_location('docs_demo_utils', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        module.prepare_demo_data(
            osp.join(root, 'data'), log=lambda msg: None, **TOY_DATA)
    finally:
        sys.modules.pop(spec.name, None)


def adapt(command: str) -> str:
    """A documented command as the test runs it (``TINY_TRAIN``)."""
    if re.search(r'(^|[\s/"])train\.py("?)(\s|$)', command):
        options = ' '.join(shlex.quote(o) for o in TINY_TRAIN)
        if '--cfg-options' in command:
            command = command.replace('--cfg-options',
                                      f'--cfg-options {options}', 1)
        else:
            command = f'{command} --cfg-options {options}'
    return re.sub(r'iter_\d+\.pth', TINY_CHECKPOINT, command)


@dataclass
class Workspace:
    root: str
    env: Dict[str, str]
    runs: Dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    helps: Dict[str, concurrent.futures.Future] = field(default_factory=dict)


def scripts_to_check() -> List[str]:
    """Every python script a check-only block runs (for ``--help``)."""
    scripts = set()
    for block in BLOCKS:
        if block.marker is None:
            continue
        for command in commands(block):
            if ASSIGNMENT.match(command):
                continue
            for words in split_pipeline(command):
                words = strip_prefix(words)
                if words and words[0] in ('python', 'python3'):
                    scripts.add(words[1])
                elif words and words[0] == 'bash':
                    target = LAUNCHERS.get(words[1])
                    if target:
                        scripts.add(target[0])
    return sorted(scripts)


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    """The fresh copy with the toy data, every runnable block run in it."""
    root = str(tmp_path_factory.mktemp('docs_repo'))
    copy_repository(root)
    write_toy_data(root)
    ws = Workspace(root, tool_env(
        root, str(tmp_path_factory.mktemp('trust') / 'trusted.txt')))
    # The --help of every checked tool, while the blocks run.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    by_path = {}
    for script in scripts_to_check():
        path = resolve(script, ws)
        if path not in by_path:
            by_path[path] = pool.submit(
                subprocess.run, [sys.executable, path, '--help'], cwd=root,
                env=ws.env, capture_output=True, text=True, timeout=300)
        ws.helps[script] = by_path[path]
    for block in BLOCKS:
        if block.marker is not None:
            continue
        script = 'set -eo pipefail\n' + '\n'.join(
            adapt(c) for c in commands(block))
        ws.runs[block.name] = subprocess.run(
            ['bash', '-c', script], cwd=root, env=ws.env,
            capture_output=True, text=True, timeout=600)
    yield ws
    pool.shutdown(wait=True)


# ---------------------------------------------------------------------------
# checking by name


def split_pipeline(command: str) -> List[List[str]]:
    """Words of each simple command of ``a && b | c > file``."""
    words = shlex.split(command)
    parts, current, skip = [], [], False
    for word in words:
        if skip:
            skip = False
        elif word in ('&&', '||', ';', '|'):
            parts.append(current)
            current = []
        elif word in ('>', '>>', '<', '2>'):
            skip = True  # the redirection's file
        elif re.fullmatch(r'\d*>&\d', word) or re.match(r'\d*>>?\S', word):
            pass
        else:
            current.append(word)
    parts.append(current)
    return [p for p in parts if p]


def strip_prefix(words: List[str]) -> List[str]:
    """Without ``KEY=value`` prefixes, a leading ``srun [options]`` and a
    leading ``timeout [-s SIGNAL] DURATION``."""
    while words and re.match(r'^[A-Za-z_]\w*=', words[0]):
        words = words[1:]
    if words and words[0] == 'timeout':
        words = words[1:]
        if words and words[0] == '-s':
            words = words[2:]
        assert words and re.fullmatch(r'\d+[smh]?', words[0]), words
        words = words[1:]
    if words and words[0] == 'srun':
        words = words[1:]
        while words and words[0].startswith('-'):
            words = words[1:]
    return words


def known_vars(ws: Workspace) -> Dict[str, str]:
    import mmseg
    mim = osp.join(osp.dirname(mmseg.__file__), '.mim')
    return dict(
        MMSEG_TOOLS=osp.join(mim, 'tools'),
        MMSEG_CONFIGS=osp.join(mim, 'configs'),
        MMSEG_CWBASS_CONFIGS=osp.join(ws.root, 'configs'),
        MMSEG_CWBASS_TOOLS=osp.join(ws.root, 'tools'),
        OUT=osp.join(ws.root, 'work_dirs', 'device_out'))


def resolve(path: str, ws: Workspace) -> str:
    """``path`` with the known variables put in, absolute in the copy."""
    values = known_vars(ws)

    def value(match):
        name = match[1] or match[2]
        assert name in values, (
            f'${name} is not one of the variables whose value the docs test '
            f'knows ({", ".join(KNOWN_VARS)})')
        return values[name]

    path = re.sub(r'\$\{(\w+)\}|\$(\w+)', value, path)
    return osp.normpath(osp.join(ws.root, path))


def help_text(script: str, ws: Workspace, block_words: List[str]) -> str:
    """The tool's ``--help``; for a tool whose import needs a package that
    the same block installs with ``pip install``, its argparse source."""
    proc = ws.helps[script].result()
    if proc.returncode == 0:
        return proc.stdout
    missing = re.search(r"No module named '([\w.]+)'", proc.stderr)
    installed = missing and missing[1].split('.')[0] in block_words
    assert installed, f'{script} --help failed:\n{proc.stderr[-2000:]}'
    with open(resolve(script, ws), encoding='utf-8') as f:
        return f.read()


def check_config(path: str, what: str) -> None:
    from mmengine.config import Config
    assert osp.isfile(path), f'{what}: config {path} does not exist'
    Config.fromfile(path)


def check_options(words: List[str], script: str, ws: Workspace,
                  block_words: List[str]) -> int:
    """Every ``--option`` of ``words`` is in ``script --help``."""
    text = help_text(script, ws, block_words)
    options = [w.split('=', 1)[0] for w in words if w.startswith('--')]
    for option in options:
        assert re.search(rf'(?<![\w-]){re.escape(option)}(?![\w-])',
                         text), f'{option} is not an option of {script}'
    return len(options)


def check_script(path: str, ws: Workspace) -> None:
    if path in GENERATED:
        writer, mark = GENERATED[path]
        with open(osp.join(ws.root, writer), encoding='utf-8') as f:
            assert mark in f.read(), f'{writer} does not write {path}'
        return
    assert osp.isfile(resolve(path, ws)), f'script {path} does not exist'


def make_targets(ws: Workspace) -> List[str]:
    with open(osp.join(ws.root, 'Makefile'), encoding='utf-8') as f:
        return re.findall(r'^([\w-]+):', f.read(), re.M)


def check_by_name(block: Block, ws: Workspace) -> List[str]:
    """Check every name of a block that does not run; what was checked."""
    checked = []
    block_words = [w for c in commands(block) for p in split_pipeline(c)
                   for w in p]
    for command in commands(block):
        assignment = ASSIGNMENT.match(command)
        if assignment:  # a variable whose value the test knows
            assert assignment[2] in KNOWN_VARS, (
                f'{block.name}: unknown variable {assignment[2]}')
            checked.append(f'variable {assignment[2]}')
            continue
        for words in split_pipeline(command):
            words = strip_prefix(words)
            program, args = words[0], words[1:]
            if program == 'make':
                targets = make_targets(ws)
                for target in args:
                    if re.match(r'^[A-Za-z_]\w*=', target):
                        # a make variable: one the Makefile reads
                        name = target.split('=', 1)[0]
                        with open(osp.join(ws.root, 'Makefile')) as f:
                            assert f'$({name})' in f.read(), name
                        checked.append(f'make variable {name}')
                        continue
                    assert target in targets, f'no make target {target}'
                    checked.append(f'make {target}')
            elif program == 'source':
                assert args == ['.venv/bin/activate'], args
                with open(osp.join(ws.root, 'Makefile')) as f:
                    assert 'VENV ?= .venv' in f.read()
                with open(osp.join(ws.root, 'tools', 'setup_env.sh')) as f:
                    assert '/bin/activate' in f.read()
                checked.append('the set-up writes .venv/bin/activate')
            elif program in ('python', 'python3'):
                script = args[0]
                check_script(script, ws)
                checked.append(script)
                for word in args[1:]:
                    if word.endswith('.py'):
                        check_config(resolve(word, ws), block.name)
                        checked.append(word)
                count = check_options(args[1:], script, ws, block_words)
                checked.append(f'{count} options of {script}')
            elif program == 'bash':
                script = args[0]
                check_script(script, ws)
                checked.append(script)
                if script in LAUNCHERS:
                    tool, fixed = LAUNCHERS[script]
                    check_config(resolve(args[1], ws), block.name)
                    assert args[fixed].isdigit(), f'GPU count: {args[fixed]}'
                    count = check_options(args[fixed + 1:], tool, ws,
                                          block_words)
                    checked.append(f'{args[1]}, {count} options of {tool}')
            elif program == 'sbatch':
                # sbatch [--options] SCRIPT [its arguments]: the script
                # exists and a config it is given builds.
                rest = [w for w in args if not w.startswith('-')]
                check_script(rest[0], ws)
                checked.append(rest[0])
                for word in rest[1:]:
                    if word.endswith('.py'):
                        check_config(resolve(word, ws), block.name)
                        checked.append(word)
            elif program == 'pip':
                assert args[0] == 'install', words
                checked.append(' '.join(words))
            elif program in PLAIN_COMMANDS:
                checked.append(program)
            else:
                raise AssertionError(
                    f'{block.name}: the docs test does not know how to check '
                    f'{program!r}; run the block or extend the test')
    return checked


# ---------------------------------------------------------------------------
# the tests


def test_blocks_found():
    """The docs have commands of both kinds (the collector works)."""
    docs = {b.doc for b in BLOCKS}
    assert 'README.md' in docs and 'docs/training.md' in docs
    assert any(b.marker is None for b in BLOCKS)
    assert any(b.marker is not None for b in BLOCKS)


@pytest.mark.slow
@pytest.mark.parametrize('block', BLOCKS, ids=[b.name for b in BLOCKS])
def test_block(block, workspace):
    if block.marker is None:
        proc = workspace.runs[block.name]
        assert proc.returncode == 0, (
            f'{block.name} failed (exit {proc.returncode}):\n'
            f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    else:
        assert check_by_name(block, workspace), block.name


def test_adapt_keeps_runs_tiny():
    """The tiny options land where argparse reads them."""
    assert adapt('python tools/train.py a.py') == (
        'python tools/train.py a.py --cfg-options ' + ' '.join(
            shlex.quote(o) for o in TINY_TRAIN))
    adapted = adapt('python tools/train.py a.py --cfg-options x=1 --amp')
    assert adapted.startswith('python tools/train.py a.py --cfg-options '
                              'train_cfg.max_iters=2 ')
    assert adapted.endswith(' x=1 --amp')
    assert adapt('python tools/test.py a.py w/iter_3000.pth') == (
        'python tools/test.py a.py w/iter_2.pth')
    assert adapt('python tools/test.py a.py x.pth') == (
        'python tools/test.py a.py x.pth')


def test_commands_parsing():
    block = Block('x.md', 1, [
        '# needs real data', 'python a.py \\', '    --b 1   # note',
        "python -c 'a # b'"], '# needs real data')
    assert commands(block) == ["python a.py --b 1", "python -c 'a # b'"]
    assert split_pipeline('bash i.sh > "$OUT/l" 2>&1 && python3 t.py') == [
        ['bash', 'i.sh'], ['python3', 't.py']]
    assert strip_prefix(['A=1', 'srun', '--n=4', 'python', 't.py']) == [
        'python', 't.py']


# ---------------------------------------------------------------------------
# links


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', heading.strip().lower())
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def prose(text: str) -> str:
    """``text`` without fenced code blocks and inline code spans."""
    return re.sub(r'`[^`\n]*`', '``', prose_with_code_spans(text))


@functools.lru_cache(maxsize=None)
def anchors(path: str) -> frozenset:
    with open(path, encoding='utf-8') as f:
        text = prose(f.read())
    seen, result = {}, set()
    for match in re.finditer(r'^#{1,6}\s+(.+?)\s*#*\s*$', text, re.M):
        slug = github_slug(match[1])
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f'{slug}-{count}')
    return frozenset(result)


def test_github_slug():
    assert github_slug('Running on a GPU node (issue 12)') == \
        'running-on-a-gpu-node-issue-12'
    assert github_slug('CW-BASS: paper component to config key') == \
        'cw-bass-paper-component-to-config-key'
    assert github_slug('Pascal VOC 2012 + SBD ("train_aug", 10,582 images)') \
        == 'pascal-voc-2012--sbd-train_aug-10582-images'
    assert github_slug('1. Data') == '1-data'


@pytest.mark.parametrize('doc', doc_files())
def test_links_resolve(doc):
    """Every relative link (images too) and #anchor exists."""
    path = osp.join(REPO, doc)
    with open(path, encoding='utf-8') as f:
        text = prose(f.read())
    links = re.findall(r'!?\[[^\]]*\]\(([^)\s]+)\)', text)
    bad = []
    for link in links:
        if re.match(r'^[a-z]+:', link):  # http(s), mailto
            continue
        target, _, anchor = link.partition('#')
        target = osp.normpath(osp.join(osp.dirname(path), target)) \
            if target else path
        if not osp.exists(target):
            bad.append(f'{link}: {osp.relpath(target, REPO)} does not exist')
        elif anchor and anchor not in anchors(target):
            bad.append(f'{link}: no heading with anchor #{anchor} in '
                       f'{osp.relpath(target, REPO)}')
    assert not bad, f'{doc}:\n' + '\n'.join(bad)


def test_readme_is_the_overview():
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    assert len(text.split('\n')) <= README_MAX_LINES
    linked = set(re.findall(r'\]\((docs/[\w.-]+\.md)', prose(text)))
    guides = {f for f in doc_files() if f.startswith('docs/')}
    assert guides <= linked, f'guides not linked: {sorted(guides - linked)}'


#: Paths named in prose that are not in the repository, and why.
NOT_IN_REPOSITORY = {
    'configs/_base_/datasets/semi_my_dataset.py':
    'your copy (docs/custom_dataset.md)',
    'configs/custom/cwbass_my_dataset.py': 'your copy (docs/custom_dataset.md)',
    'tools/benchmark.py': 'the removed previous benchmark (history)',
    'tools/demo.py': 'the removed previous demo tool (history)',
}


@pytest.mark.parametrize('doc', doc_files())
def test_inline_paths_exist(doc):
    """Scripts and configs named in prose and tables (inline code) exist,
    e.g. the command column of the results tables."""
    with open(osp.join(REPO, doc), encoding='utf-8') as f:
        text = f.read()
    spans = re.findall(r'`([^`\n]+)`', prose_with_code_spans(text))
    missing = set()
    for span in spans:
        for word in span.split():
            word = word.strip('"\'(),;')
            if re.fullmatch(r'(configs|tools)/[\w./+-]+\.(py|sh)', word) and \
                    not osp.exists(osp.join(REPO, word)) and \
                    word not in NOT_IN_REPOSITORY:
                missing.add(word)
    assert not missing, f'{doc} names missing files: {sorted(missing)}'


def prose_with_code_spans(text: str) -> str:
    """``text`` without its fenced code blocks (inline code kept)."""
    lines, fence = [], None
    for line in text.split('\n'):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match[2]
        elif fence is not None:
            if match and match[2] == fence and not match[3]:
                fence = None
        else:
            lines.append(line)
    return '\n'.join(lines)


@pytest.mark.parametrize('command,error', [
    ('python tools/make_splits.py --dataset pascal_voc --no-such-option',
     '--no-such-option is not an option of tools/make_splits.py'),
    ('python tools/no_such_tool.py', 'does not exist'),
    ('python tools/make_splits.py --config configs/no_such.py',
     'configs/no_such.py does not exist'),
    ('make no-such-target', 'no make target no-such-target'),
    ('bash tools/dist_train.sh configs/cwbass/deeplabv3plus_r101_voc_1-8.py '
     'four', 'GPU count'),
    ('rm -rf work_dirs', "does not know how to check 'rm'"),
    ('NO_SUCH=$(python -c "print(1)")', 'unknown variable NO_SUCH'),
])
def test_check_by_name_catches_drift(command, error):
    """What a check-only block may not name (the check can fail)."""
    ws = Workspace(REPO, tool_env(REPO, os.devnull))
    block = Block('x.md', 1, ['# needs real data', command],
                  '# needs real data')
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        for script in ('tools/make_splits.py', 'tools/train.py'):
            ws.helps[script] = pool.submit(
                subprocess.run,
                [sys.executable, osp.join(REPO, script), '--help'],
                cwd=REPO, env=ws.env, capture_output=True, text=True,
                timeout=300) if script in command else None
        with pytest.raises(AssertionError, match=re.escape(error)):
            check_by_name(block, ws)
