"""Package set-up for mmseg-cwbass.

Version bounds are the ones measured to work together (see README,
"Installation"): mmsegmentation 1.2.x asserts ``mmcv < 2.2.0``; mmcv's build
and mmengine's ``mmseg::`` config lookup import ``pkg_resources``, which
setuptools 81 removed.

A wheel (``pip install .``) ships ``configs/`` and ``tools/`` inside the
package, under ``mmseg_cwbass/.mim/``, the layout of mmseg's wheel
(``mmseg/.mim/configs``, ``mmseg/.mim/tools``): a tool finds the configs
beside it, and a config outside the repository inherits ours by path
(docs/custom_dataset.md).
"""
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

#: Repository folders shipped as ``mmseg_cwbass/.mim/<name>``.
MIM_FOLDERS = ('configs', 'tools')


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FOLDERS` into the package.

    mmseg's setup.py copies them into its source tree before building; here
    they go to the build folder only, so the checkout is left as it is. An
    editable install keeps reading ``configs/`` and ``tools/`` of the
    checkout.
    """

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        mim = osp.join(self.build_lib, 'mmseg_cwbass', '.mim')
        for name in MIM_FOLDERS:
            target = osp.join(mim, name)
            if osp.isdir(target):
                shutil.rmtree(target)
            shutil.copytree(
                name,
                target,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


def read_version() -> str:
    namespace: dict = {}
    with open('mmseg_cwbass/version.py', encoding='utf-8') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmseg-cwbass',
    version=read_version(),
    description='CW-BASS semi-supervised semantic segmentation for '
    'MMSegmentation 1.x',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    install_requires=[
        'torch>=2.0',
        'mmcv>=2.0.0rc4,<2.2.0',
        'mmengine>=0.10.0,<0.11',
        'mmsegmentation>=1.2.0,<1.3',
        # imported by mmseg.utils but missing from mmseg's requirements
        'ftfy',
        'regex',
        'numpy',
        'Pillow',
        'matplotlib',
        # markdown tables of the tools (TableStyle.MARKDOWN)
        'prettytable>=3.12',
        'setuptools>=77,<81',
    ],
    extras_require={
        # transformers: the independent DINOv2 implementation the backbone
        # is tested against (tests/test_models/test_backbones); never
        # imported by the package.
        'tests': ['pytest>=7', 'pytest-xdist', 'transformers>=5'],
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    cmdclass={'build_py': BuildPyWithMim},
    zip_safe=False,
)
