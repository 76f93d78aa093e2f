# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Write the README's figures from a finished embedded ACLNet run.

Trains nothing: it reads the work dir of
``configs/aclnet/aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py``
(its config copy, last checkpoint, ``superclasses_*.json`` and
``vis_data/scalars.json``) and the embedded pickle, and writes PNGs to
``docs/figures/``::

    python tools/train.py \\
        configs/aclnet/aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py \\
        --work-dir work_dirs/try_aclnet  # noqa: E501
    python tools/visualize/make_readme_figures.py work_dirs/try_aclnet

The confusion matrix is computed on the test split with the last
checkpoint (or read from ``--dump``, a ``tools/test.py --dump`` pickle).
"""
import argparse
import glob
import os
import os.path as osp
import pickle
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.utils import ProgressBar

from aclnet_mm.apis import inference_skeleton, init_recognizer
from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.utils.safe_pickle import load_pickle
from aclnet_mm.visualization import (plot_confusion_from_dump,
                                     plot_confusion_statistics,
                                     plot_skeleton_strip,
                                     plot_superclass_graph,
                                     plot_superclass_matrix,
                                     plot_training_curves, render_skeleton_gif)

ANN_FILE = 'data/embedded/body25_2d.pkl'
NAMES_FILE = 'data/embedded/body25_2d_classes.txt'
LAYOUT = 'openpose_body25'


def find_run(work_dir: str) -> Dict[str, str]:
    """Config, checkpoint, superclass JSON and scalars of a work dir."""
    configs = sorted(glob.glob(osp.join(work_dir, '*.py')))
    scalars = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    ckpt = None
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            ckpt = f.read().strip()
        if not osp.isfile(ckpt):
            ckpt = osp.join(work_dir, osp.basename(ckpt))
    if ckpt is None or not osp.isfile(ckpt):
        found = sorted(
            glob.glob(osp.join(work_dir, 'epoch_*.pth')),
            key=lambda p: int(p.rsplit('_', 1)[1][:-4]))
        ckpt = found[-1] if found else None
    run = dict(
        config=configs[0] if configs else None,
        checkpoint=ckpt,
        superclasses=osp.join(work_dir, 'superclasses_latest.json'),
        scalars=scalars[-1] if scalars else None)
    missing = [k for k, v in run.items() if not v or not osp.isfile(v)]
    if missing:
        raise FileNotFoundError(
            f'{work_dir}: missing {missing}; is it a finished run of the '
            'embedded ACLNet config?')
    return run


def predict_split(model, annotations: List[dict], frames: Sequence[str],
                  out_file: str) -> str:
    """Run the model on a split; save DumpResults-style predictions."""
    wanted = set(frames)
    samples = [a for a in annotations if a['frame_dir'] in wanted]
    dump = []
    bar = ProgressBar(len(samples))
    for sample in samples:
        result = inference_skeleton(model, sample, topk=1)
        dump.append(
            dict(
                pred_score=result.pred_score.astype(np.float32),
                gt_label=np.asarray([sample['label']])))
        bar.update()
    print()
    with open(out_file, 'wb') as f:
        pickle.dump(dump, f)
    return out_file


def make_figures(work_dir: str,
                 out_dir: str = 'docs/figures',
                 dump: Optional[str] = None,
                 sample_index: int = 0,
                 ann_file: str = ANN_FILE,
                 names_file: str = NAMES_FILE) -> List[str]:
    """Write every figure; return their paths."""
    run = find_run(work_dir)
    os.makedirs(out_dir, exist_ok=True)
    with open(names_file) as f:
        names = [line.strip() for line in f if line.strip()]
    data = load_pickle(ann_file)  # plain data only: never runs code
    out = []

    def path(name):
        out.append(osp.join(out_dir, name))
        return out[-1]

    plot_superclass_graph(run['superclasses'], path('superclass_graph.png'))
    plot_superclass_matrix(run['superclasses'], path('superclass_matrix.png'))
    plot_confusion_statistics(run['checkpoint'],
                              path('confusion_statistics.png'), names)
    plot_training_curves(
        run['scalars'],
        path('training_curves.png'),
        title='ACLNet on the embedded BODY-25 data')
    model = init_recognizer(run['config'], run['checkpoint'], device='cpu')
    if dump is None:
        dump = predict_split(model, data['annotations'], data['split']['test'],
                             osp.join(work_dir, 'test_predictions.pkl'))
    plot_confusion_from_dump(dump, path('confusion_matrix.png'), names)
    test = set(data['split']['test'])
    sample = [a for a in data['annotations']
              if a['frame_dir'] in test][sample_index]
    result = inference_skeleton(model, sample, topk=1)
    title = (f'true: {names[sample["label"]]}, predicted: '
             f'{result.names[0]} ({result.scores[0]:.2f})')
    plot_skeleton_strip(
        sample['keypoint'],
        LAYOUT,
        path('skeleton_strip.png'),
        sample['keypoint_score'],
        title=title,
        invert_y=False)  # the recorder's y axis points up
    render_skeleton_gif(
        sample['keypoint'],
        LAYOUT,
        path('skeleton.gif'),
        sample['keypoint_score'],
        title=title.replace(', ', '\n'),
        invert_y=False,
        size=2.6,
        dpi=64,
        step=2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir', help='the finished run')
    parser.add_argument('--out-dir', default='docs/figures')
    parser.add_argument(
        '--dump',
        help='test predictions (tools/test.py '
        '--dump); computed when omitted')
    parser.add_argument(
        '--sample-index', type=int, default=0, help='test sample to draw')
    args = parser.parse_args()
    for path in make_figures(args.work_dir, args.out_dir, args.dump,
                             args.sample_index):
        print(f'wrote {path} ({osp.getsize(path) // 1024} KiB)')


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/visualize/make_readme_figures.py'):
        main()
