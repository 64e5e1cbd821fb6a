"""Package set-up for mmseg-cwbass.

Version bounds are the ones measured to work together (see README,
"Installation"): mmsegmentation 1.2.x asserts ``mmcv < 2.2.0``; mmcv's build
and mmengine's ``mmseg::`` config lookup import ``pkg_resources``, which
setuptools 81 removed.
"""
from setuptools import find_packages, setup


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
        'setuptools>=77,<81',
    ],
    extras_require={
        'tests': ['pytest>=7', 'pytest-xdist'],
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    zip_safe=False,
)
