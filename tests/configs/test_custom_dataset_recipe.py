# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The custom-dataset guide's config recipe trains exactly as written.

The config is the fenced Python block that follows the marker
``<!-- recipe: custom-dataset -->`` in docs/user_guides/custom_dataset.md,
taken verbatim: the embedded ACLNet config inherited as a module of the
installed package, an own skeleton given as a dict, ACLNet's data-derived
settings ``'auto'``. It is written to ``configs/my_config.py`` of a fresh
folder that also holds ``data/my_dataset.pkl`` (the paths the guide uses),
and trained one epoch with the real Runner through MMAction2's
tools/train.py (a subprocess); only ``max_epochs`` is shortened, from the
command line, as a user would.
"""
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
from config_helpers import MMACTION_TRAIN, ROOT
from mmengine.utils import get_installed_path

GUIDE = osp.join(ROOT, 'docs', 'user_guides', 'custom_dataset.md')
MARKER = '<!-- recipe: custom-dataset -->'
_BLOCK = re.compile(r'\s*```python\n(.*?)\n```', re.S)


def recipe_from_guide(path: str = GUIDE) -> str:
    """The Python block right after the guide's recipe marker."""
    with open(path) as f:
        text = f.read()
    assert text.count(MARKER) == 1, f'{path}: expected one {MARKER}'
    found = _BLOCK.match(text, text.index(MARKER) + len(MARKER))
    assert found, f'{path}: no ```python block right after {MARKER}'
    return found.group(1) + '\n'


def _dataset(path, num_classes=12, per_class=3):
    """A pickle of the shape the recipe states: 12 classes, the 5-joint
    layout, 2D with scores, up to 2 people, train / val / test splits."""
    rng = np.random.default_rng(0)
    annotations, split = [], dict(train=[], val=[], test=[])
    for label in range(num_classes):
        for k in range(per_class):
            name = f'c{label:02d}_{k}'
            annotations.append(
                dict(
                    frame_dir=name,
                    label=label,
                    total_frames=30,
                    img_shape=(480, 640),
                    original_shape=(480, 640),
                    keypoint=rng.normal(size=(2, 30, 5, 2)).astype(np.float32),
                    keypoint_score=np.ones((2, 30, 5), np.float32)))
            split[('train', 'val', 'test')[k]].append(name)
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=annotations), f)


def test_guide_names_the_paths_the_test_provides():
    recipe = recipe_from_guide()
    assert recipe.startswith('# configs/my_config.py\n')
    assert "ann_file = 'data/my_dataset.pkl'" in recipe


@pytest.mark.skipif(
    get_installed_path('aclnet_mm') != osp.join(ROOT, 'aclnet_mm'),
    reason='aclnet_mm.configs resolves to another install: pip install -e .')
def test_recipe_trains_through_mmaction_tools(tmp_path):
    (tmp_path / 'data').mkdir()
    _dataset(str(tmp_path / 'data' / 'my_dataset.pkl'))
    (tmp_path / 'configs').mkdir()
    (tmp_path / 'configs' / 'my_config.py').write_text(recipe_from_guide())
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    done = subprocess.run([
        sys.executable, MMACTION_TRAIN, 'configs/my_config.py', '--work-dir',
        'work', '--cfg-options', 'train_cfg.max_epochs=1'
    ],
                          cwd=str(tmp_path),
                          env=env,
                          capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-5000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    log = done.stdout + done.stderr
    # ceil(12 / 6) = 2 neighbours, overlap 1, buckets (2, 4); epoch 1.
    assert "'num_neighbors': 2, 'overlap_thr': 1" in log
    assert "'start_epoch': 1" in log
