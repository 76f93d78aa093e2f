# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The main job on the embedded real data: ``make demo``.

It prepares the pose-classification-kit BODY-25 set when missing, trains a
CE-only baseline and ACLNet with the same backbone, data and budget, tests
both on the held-out test split with the LAST checkpoint (no selection on
test data), prints the superclasses ACLNet found by class name and ends
with ``top1_acc: <value>`` of ACLNet. Each run is a real
``tools/train.py`` / ``tools/test.py`` process, as a user would start it;
their full logs are kept in the work directory.

The figures it prints are the same on every run on the same machine: the
configs fix the seed and ask for deterministic algorithms, and each run
gets a thread count set here (``--threads``, default 1), never the one the
shell happens to export, since a different thread count sums in a
different order and rounds differently. Other CPUs (or BLAS builds) may
still round differently, and over 30 epochs that can change a few test
clips.

Run it from the repository root: ``python tools/run_demo.py``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence

from aclnet_mm.evaluation.functional import (load_stream_scores,
                                             mean_class_accuracy,
                                             top_k_accuracy)
from aclnet_mm.utils.logged_run import deterministic_env, run_logged

__all__ = [
    'DEMO_RUNS', 'parse_args', 'ensure_embedded_data', 'format_superclasses',
    'main'
]

_CONFIG_DIR = osp.join('configs', 'aclnet')
#: (name, config) of the two runs, compared at the same budget.
DEMO_RUNS = (
    ('ce',
     osp.join(_CONFIG_DIR, 'aclgcn_1xb16_joint_u24_30e_'
              'body25_embedded_keypoint_2d.py')),
    ('aclnet',
     osp.join(
         _CONFIG_DIR, 'aclnet_aclgcn_1xb16_joint_u24_30e_'
         'body25_embedded_keypoint_2d.py')),
)
ANN_FILE = osp.join('data', 'embedded', 'body25_2d.pkl')
TOOLS_DIR = osp.dirname(osp.abspath(__file__))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the demo."""
    parser = argparse.ArgumentParser(
        description='Train CE-only and ACLNet on the embedded real data '
        'and compare them on its test split')
    parser.add_argument(
        '--work-dir',
        default=osp.join('work_dirs', 'demo'),
        help='where logs, checkpoints and dumps go')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override the epoch count of both configs')
    parser.add_argument(
        '--sequential',
        action='store_true',
        help='one training at a time (default: the runs in parallel when '
        'there is a core per run; the figures are the same either way)')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads of each run; part of what makes the figures '
        'reproducible, so it is set here and not taken from '
        'OMP_NUM_THREADS (default: 1, fastest for these small models)')
    parser.add_argument(
        '--runs',
        nargs='+',
        default=[name for name, _ in DEMO_RUNS],
        choices=[name for name, _ in DEMO_RUNS],
        help='which runs to do')
    return parser.parse_args(argv)


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        return file.read().strip()


def _train_and_test(name: str,
                    config: str,
                    work_dir: str,
                    epochs: Optional[int],
                    threads: int = 1) -> Dict[str, float]:
    """Train ``config``, test its last checkpoint, score the dump."""
    run_dir = osp.join(work_dir, name)
    env = deterministic_env(threads)
    options = []
    if epochs is not None:
        options = [
            '--cfg-options', f'train_cfg.max_epochs={epochs}',
            f'param_scheduler.0.T_max={epochs}'
        ]
    prefix = f'[{name}]'
    print(f'{prefix} training {config}', flush=True)
    start = time.time()
    train_cmd = [
        sys.executable,
        osp.join(TOOLS_DIR, 'train.py'), config, '--work-dir', run_dir,
        *options
    ]
    run_logged(
        train_cmd, osp.join(run_dir, 'train.log'), prefix=prefix, env=env)
    checkpoint = _last_checkpoint(run_dir)
    dump = osp.join(run_dir, 'test_pred.pkl')
    print(f'{prefix} testing {checkpoint}', flush=True)
    test_cmd = [
        sys.executable,
        osp.join(TOOLS_DIR, 'test.py'), config, checkpoint, '--work-dir',
        osp.join(run_dir, 'test'), '--dump', dump
    ]
    run_logged(
        test_cmd,
        osp.join(run_dir, 'test.log'),
        echo=('Epoch(test)', ),
        prefix=prefix,
        env=env)
    stream = load_stream_scores(dump, name=name)
    top1, top5 = top_k_accuracy(stream.scores, stream.labels, topk=(1, 5))
    return dict(
        top1=top1,
        top5=top5,
        mean_class=mean_class_accuracy(stream.scores, stream.labels),
        num_samples=len(stream.labels),
        minutes=(time.time() - start) / 60)


def ensure_embedded_data(ann_file: str = ANN_FILE) -> None:
    """Prepare the embedded BODY-25 set with its data tool when missing."""
    if osp.exists(ann_file):
        return
    print(f'preparing the embedded dataset: {ann_file}', flush=True)
    subprocess.run([
        sys.executable,
        osp.join(TOOLS_DIR, 'data', 'embedded',
                 'prepare_pose_classification_kit.py'), '--out', ann_file
    ],
                   check=True)


def format_superclasses(json_file: str) -> List[str]:
    """One line per class: its name and the classes of its superclass.

    Args:
        json_file (str): A file written by ``SuperclassRefreshHook``.

    Returns:
        list[str]: Printable lines.
    """
    with open(json_file) as file:
        content = json.load(file)
    lines = [f'superclasses at epoch {content["epoch"]}:']
    for module in content['modules'].values():
        for entry in module['classes']:
            name = entry['name'] if entry['name'] is not None else str(
                entry['index'])
            members = entry['member_names'] or [
                str(index) for index in entry['members']
            ]
            members = [member for member in members if member != name]
            lines.append(f'  {name} (tau {entry["tau"]:g}): '
                         f'{", ".join(members)}')
    return lines


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    """Run the demo; returns the test metrics of each run."""
    args = parse_args(argv)
    ensure_embedded_data()
    runs = [(name, config) for name, config in DEMO_RUNS if name in args.runs]
    results, errors = {}, []
    parallel = not args.sequential and (os.cpu_count() or 1) >= len(runs)

    def work(name: str, config: str) -> None:
        try:
            results[name] = _train_and_test(name, config, args.work_dir,
                                            args.epochs, args.threads)
            print(
                f'[{name}] done in {results[name]["minutes"]:.1f} min',
                flush=True)
        except Exception as err:  # reported after all runs end
            errors.append(err)

    if parallel:
        workers = [threading.Thread(target=work, args=run) for run in runs]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    else:
        for run in runs:
            work(*run)
    if errors:
        raise errors[0]
    results = {name: results[name] for name, _ in runs}

    print('\n== test split of the embedded set (last checkpoint) ==')
    print(f'{"run":<8} {"top1":>7} {"top5":>7} {"mean1":>7}')
    for name, metrics in results.items():
        print(f'{name:<8} {metrics["top1"]:7.4f} {metrics["top5"]:7.4f} '
              f'{metrics["mean_class"]:7.4f}')
    superclass_file = osp.join(args.work_dir, 'aclnet',
                               'superclasses_latest.json')
    if osp.exists(superclass_file):
        print('\n' + '\n'.join(format_superclasses(superclass_file)))
    if 'ce' in results:
        print(f'\nce_top1_acc: {results["ce"]["top1"]:.4f}')
    if 'aclnet' in results:
        print(f'top1_acc: {results["aclnet"]["top1"]:.4f}')
    return results


if __name__ == '__main__':
    main()
